import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testServices, uniqueId } from "../../../test/services.ts";
import { closeRedisClient, createRedisClient, waitForRedis } from "../registry/redis-client.ts";
import { MemoryRateLimiter } from "./memory-rate-limiter.ts";
import type { RateLimiter, RateRule } from "./rate-limit.port.ts";
import { RedisRateLimiter } from "./redis-rate-limiter.ts";

/** One adapter under test, with what the suite needs to drive it. */
interface Harness {
  limiter: RateLimiter;
  /** A second limiter on the same counters, as another pod would have. */
  peer(): Promise<RateLimiter>;
  cleanup(): Promise<void>;
}

function memoryHarness(): Promise<Harness> {
  const limiter = new MemoryRateLimiter();
  return Promise.resolve({ limiter, peer: () => Promise.resolve(limiter), cleanup: () => limiter.close() });
}

async function redisHarness(): Promise<Harness> {
  const prefix = uniqueId("test-ratelimit-");
  const clients: Redis[] = [];
  const connect = async (): Promise<Redis> => {
    const client = createRedisClient({ url: testServices.redisUrl });
    clients.push(client);
    await waitForRedis(client);
    return client;
  };
  const client = await connect();
  return {
    limiter: new RedisRateLimiter({ client, prefix }),
    peer: async () => new RedisRateLimiter({ client: await connect(), prefix }),
    cleanup: async () => {
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length > 0) await client.del(...keys);
      await Promise.all(clients.map((c) => closeRedisClient(c)));
    },
  };
}

const perMinute = (points: number): RateRule => ({ points, durationMs: 60_000 });

describe.each([
  { adapter: "memory", create: memoryHarness },
  { adapter: "redis", create: redisHarness },
])("RateLimiter contract ($adapter)", ({ create }) => {
  let h: Harness;
  let key: string;
  beforeEach(async () => {
    h = await create();
    // The memory limiter outlives nothing, but keys stay unique so the suites read the same.
    key = uniqueId("client-");
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it("allows up to the limit, then denies with a retry delay and nothing remaining", async () => {
    const rule = perMinute(3);
    for (const remaining of [2, 1, 0]) {
      const decision = await h.limiter.consume(key, rule);
      expect(decision).toMatchObject({ allowed: true, limit: 3, remaining, retryAfterMs: 0 });
      expect(decision.resetMs).toBeGreaterThan(0);
      expect(decision.resetMs).toBeLessThanOrEqual(60_000);
    }
    const denied = await h.limiter.consume(key, rule);
    expect(denied).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(denied.resetMs).toBeGreaterThan(0);
  });

  it("spends the given cost", async () => {
    const rule = perMinute(5);
    expect(await h.limiter.consume(key, rule, 3)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await h.limiter.consume(key, rule, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await h.limiter.consume(key, rule, 1)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await h.limiter.consume(uniqueId(), rule, 6)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it("starts afresh after reset()", async () => {
    const rule = perMinute(2);
    await h.limiter.consume(key, rule, 2);
    expect((await h.limiter.consume(key, rule)).allowed).toBe(false);
    await h.limiter.reset(key, rule);
    expect(await h.limiter.consume(key, rule)).toMatchObject({ allowed: true, remaining: 1 });
    await h.limiter.reset(uniqueId(), rule);
  });

  it("gives back rewarded points in the current window, across instances", async () => {
    const rule = perMinute(3);
    await h.limiter.consume(key, rule, 3);
    expect((await h.limiter.consume(key, rule)).allowed).toBe(false);
    await h.limiter.reward(key, rule, 2);
    expect((await h.limiter.peek(key, rule)).consumed).toBe(2);
    const peer = await h.peer();
    await peer.reward(key, rule);
    expect(await h.limiter.consume(key, rule)).toMatchObject({ allowed: true, remaining: 1 });
    await expect(h.limiter.reward(key, rule, 0)).rejects.toThrow(RangeError);
  });

  it("allows at most the limit of 100 simultaneous consumes, from two instances", async () => {
    const peer = await h.peer();
    const rule = perMinute(10);
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? h.limiter : peer).consume(key, rule)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect((await h.limiter.peek(key, rule)).consumed).toBe(100);
  });

  it("peeks at the spent points without spending any", async () => {
    const rule = perMinute(5);
    expect(await h.limiter.peek(key, rule)).toEqual({ consumed: 0, resetMs: 0 });
    await h.limiter.consume(key, rule, 2);
    const peeked = await h.limiter.peek(key, rule);
    expect(peeked.consumed).toBe(2);
    expect(peeked.resetMs).toBeGreaterThan(0);
    expect((await h.limiter.peek(key, rule)).consumed).toBe(2);
    const peer = await h.peer();
    expect((await peer.peek(key, rule)).consumed).toBe(2);
  });

  it("counts each key, and each rule of a key, separately", async () => {
    const rule = perMinute(1);
    expect((await h.limiter.consume(key, rule)).allowed).toBe(true);
    expect((await h.limiter.consume(key, rule)).allowed).toBe(false);
    expect((await h.limiter.consume(`${key}-other`, rule)).allowed).toBe(true);
    expect((await h.limiter.consume(key, perMinute(2))).allowed).toBe(true);
  });

  it("shares the count between instances on the same counters (across pods)", async () => {
    const other = await h.peer();
    const rule = perMinute(4);
    await h.limiter.consume(key, rule, 2);
    expect(await other.consume(key, rule)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await h.limiter.consume(key, rule)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await other.consume(key, rule)).allowed).toBe(false);
    await other.reset(key, rule);
    expect((await h.limiter.consume(key, rule)).allowed).toBe(true);
  });

  it("allows again once the window has passed", async () => {
    const rule = { points: 1, durationMs: 1_000 };
    await h.limiter.consume(key, rule);
    expect((await h.limiter.consume(key, rule)).allowed).toBe(false);
    await vi.waitFor(
      async () => {
        expect((await h.limiter.consume(key, rule)).allowed).toBe(true);
      },
      { timeout: 5_000, interval: 100 },
    );
  });

  it("rounds windows up to whole seconds and refuses windows under a second", async () => {
    const decision = await h.limiter.consume(key, { points: 1, durationMs: 1_500 });
    expect(decision.resetMs).toBeGreaterThan(1_500);
    expect(decision.resetMs).toBeLessThanOrEqual(2_000);
    await expect(h.limiter.consume(key, { points: 1, durationMs: 999 })).rejects.toThrow(RangeError);
    await expect(h.limiter.consume(key, { points: 0, durationMs: 1_000 })).rejects.toThrow(RangeError);
    await expect(h.limiter.consume(key, perMinute(1), 0)).rejects.toThrow(RangeError);
    await expect(h.limiter.consume(key, perMinute(1), 1.5)).rejects.toThrow(RangeError);
  });

  it("reports itself ready", async () => {
    await expect(h.limiter.check()).resolves.toBeUndefined();
  });
});
