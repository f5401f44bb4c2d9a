import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testServices, uniqueId } from "../../../test/services.ts";
import { closeRedisClient, createRedisClient, waitForRedis } from "../registry/redis-client.ts";
import { TcpProxy } from "../../../test/tcp-proxy.ts";
import { RateLimitStoreError } from "./rate-limit.errors.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";

const redisPort = Number(new URL(testServices.redisUrl).port || 6379);

// What the contract suite cannot see: the keys in Redis, and what happens when Redis is gone.
describe("RedisRateLimiter", () => {
  let prefix: string;
  let client: Redis;
  beforeEach(async () => {
    prefix = uniqueId("test-ratelimit-");
    client = createRedisClient({ url: testServices.redisUrl });
    await waitForRedis(client);
  });
  afterEach(async () => {
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
    await closeRedisClient(client);
  });

  it("keeps counters under <prefix>:ratelimit:<points>:<seconds>:<key> with the window as TTL", async () => {
    const limiter = new RedisRateLimiter({ client, prefix });
    await limiter.consume("ip:1", { points: 10, durationMs: 60_000 }, 3);
    const counter = `${prefix}:ratelimit:10:60:ip:1`;
    expect(await client.get(counter)).toBe("3");
    expect(await client.pttl(counter)).toBeGreaterThan(50_000);
  });

  it("throws a RateLimitStoreError with the Redis error as cause when Redis is down, never a denial", async () => {
    const proxy = await TcpProxy.start(redisPort);
    const down = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}` });
    try {
      await waitForRedis(down);
      const limiter = new RedisRateLimiter({ client: down, prefix, pingTimeoutMs: 300 });
      await proxy.stop();
      const rule = { points: 5, durationMs: 60_000 };
      const failure: unknown = await limiter.consume("k", rule).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RateLimitStoreError);
      expect((failure as RateLimitStoreError).code).toBe("rate_limit.store_unavailable");
      expect((failure as Error).cause).toBeInstanceOf(Error);
      await expect(limiter.reset("k", rule)).rejects.toBeInstanceOf(RateLimitStoreError);
      await expect(limiter.reward("k", rule)).rejects.toBeInstanceOf(RateLimitStoreError);
      await expect(limiter.check()).rejects.toThrow(/unavailable/);
    } finally {
      down.disconnect();
      await proxy.stop();
    }
  });

  it("quits the client on close only when it owns it", async () => {
    const own = createRedisClient({ url: testServices.redisUrl });
    await waitForRedis(own);
    await new RedisRateLimiter({ client, prefix }).close();
    await new RedisRateLimiter({ client: own, prefix, ownsClient: true }).close();
    expect(client.status).toBe("ready");
    expect(own.status).toBe("end");
  });
});
