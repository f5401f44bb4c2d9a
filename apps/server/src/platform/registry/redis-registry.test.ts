import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testServices, uniqueId } from "../../../test/services.ts";
import { closeRedisClient, createRedisClient, waitForRedis } from "./redis-client.ts";
import { RedisRegistryStore } from "./redis-registry.ts";
import { TcpProxy } from "../../../test/tcp-proxy.ts";

const redisPort = Number(new URL(testServices.redisUrl).port || 6379);

// What the contract suite cannot see: Redis's own keys, and how the store lives through outages.
describe("RedisRegistryStore", () => {
  let prefix: string;
  let admin: Redis;
  beforeEach(async () => {
    prefix = uniqueId("test-registry-");
    admin = createRedisClient({ url: testServices.redisUrl });
    await waitForRedis(admin);
  });
  afterEach(async () => {
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await closeRedisClient(admin);
  });

  it("keeps cache entries under <prefix>:cache:<key> with a TTL", async () => {
    const store = new RedisRegistryStore({ client: admin, prefix });
    await store.cache.set("a/b", { x: 1 }, 60_000);
    expect(await admin.get(`${prefix}:cache:a/b`)).toBe('{"x":1}');
    expect(await admin.pttl(`${prefix}:cache:a/b`)).toBeGreaterThan(50_000);
  });

  it("prunes expired members out of Redis, and lets the kind's keys expire with the last member", async () => {
    const store = new RedisRegistryStore({ client: admin, prefix });
    await store.registry.register("pod", "gone", {}, 100);
    await store.registry.register("pod", "alive", {}, 60_000);
    await sleep(150);
    expect((await store.registry.list("pod")).map((m) => m.id)).toEqual(["alive"]);
    expect(await admin.zrange(`${prefix}:registry:pod:members`, "0", "-1")).toEqual(["alive"]);
    expect(await admin.hkeys(`${prefix}:registry:pod:info`)).toEqual(["alive"]);
    expect(await admin.pttl(`${prefix}:registry:pod:members`)).toBeGreaterThan(50_000);
    expect(await admin.pttl(`${prefix}:registry:pod:info`)).toBeGreaterThan(50_000);
  });

  it("connects by URL and quits its own client on close", async () => {
    const store = await RedisRegistryStore.connect({ url: testServices.redisUrl, prefix });
    await store.cache.set("k", "v", 60_000);
    await store.check();
    await store.close();
    await store.close();
    await expect(store.check()).rejects.toThrow(/unavailable/);
    expect(await admin.get(`${prefix}:cache:k`)).toBe('"v"');
  });

  it("refuses to connect when Redis does not answer in time", async () => {
    const proxy = await TcpProxy.start(redisPort);
    await proxy.stop();
    const url = `redis://127.0.0.1:${proxy.port}`;
    await expect(RedisRegistryStore.connect({ url, prefix, readyTimeoutMs: 300 })).rejects.toThrow(
      /not ready/,
    );
  });

  describe("through an outage", () => {
    let proxy: TcpProxy;
    let client: Redis;
    let store: RedisRegistryStore;
    beforeEach(async () => {
      proxy = await TcpProxy.start(redisPort);
      client = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}`, maxReconnectDelayMs: 200 });
      await waitForRedis(client);
      store = new RedisRegistryStore({ client, prefix, pingTimeoutMs: 300 });
    });
    afterEach(async () => {
      // Not QUIT: the silenced proxy dropped replies, so this connection is beyond use.
      client.disconnect();
      await proxy.stop();
    });

    it("fails check() and commands fast while Redis is gone, and recovers by itself when it is back", async () => {
      await store.check();
      await proxy.stop();
      await vi.waitFor(() => expect(store.check()).rejects.toThrow(/unavailable/), { timeout: 5_000 });
      await expect(store.cache.get("k")).rejects.toThrow();
      await expect(store.registry.list("pod")).rejects.toThrow();

      await proxy.start();
      await vi.waitFor(() => expect(store.check()).resolves.toBeUndefined(), {
        timeout: 10_000,
        interval: 50,
      });
      await store.cache.set("k", "back", 60_000);
      expect(await store.cache.get("k")).toBe("back");
    });

    it("bounds check() when Redis accepts the connection but never answers", async () => {
      proxy.silence();
      await expect(store.check()).rejects.toThrow(/unavailable/);
    });
  });
});
