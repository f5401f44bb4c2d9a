import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testServices, uniqueId } from "../../../test/services.ts";
import { ManualClock } from "../clock/clock.ts";
import { MemoryRegistryStore } from "./memory-registry.ts";
import { closeRedisClient, createRedisClient, waitForRedis } from "./redis-client.ts";
import { RedisRegistryStore } from "./redis-registry.ts";
import type { RegistryStore } from "./registry.port.ts";

/** One adapter under test, with what the suite needs to drive it. */
interface Harness {
  store: RegistryStore;
  /** A second store on the same backing data, as another pod would have. */
  peer(): Promise<RegistryStore>;
  /** Lets `ms` pass: moves a manual clock, or really waits. */
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

// Short enough to keep the suite quick, long enough that a loaded machine reads the value back first.
const SHORT_TTL = 250;
const LONG_TTL = 60_000;

async function memoryHarness(): Promise<Harness> {
  const clock = new ManualClock(Date.now());
  const store = new MemoryRegistryStore({ clock });
  return Promise.resolve({
    store,
    peer: () => Promise.resolve(store),
    elapse: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
    cleanup: () => store.close(),
  });
}

async function redisHarness(): Promise<Harness> {
  const prefix = uniqueId("test-registry-");
  const clients: Redis[] = [];
  const connect = async (): Promise<Redis> => {
    const client = createRedisClient({ url: testServices.redisUrl });
    clients.push(client);
    await waitForRedis(client);
    return client;
  };
  const client = await connect();
  return {
    store: new RedisRegistryStore({ client, prefix }),
    peer: async () => new RedisRegistryStore({ client: await connect(), prefix }),
    elapse: (ms) => sleep(ms),
    cleanup: async () => {
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length > 0) await client.del(...keys);
      await Promise.all(clients.map((c) => closeRedisClient(c)));
    },
  };
}

/** Polls `assertion` until it passes, for things that happen on Redis's own schedule. */
function eventually(assertion: () => Promise<void>): Promise<void> {
  return vi.waitFor(assertion, { timeout: 3_000, interval: 25 });
}

describe.each([
  { adapter: "memory", create: memoryHarness },
  { adapter: "redis", create: redisHarness },
])("RegistryStore contract ($adapter)", ({ create }) => {
  let h: Harness;
  beforeEach(async () => {
    h = await create();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  describe("cache", () => {
    it("reads back what was set, and forgets what was deleted", async () => {
      const { cache } = h.store;
      expect(await cache.get("missing")).toBeUndefined();
      await cache.set("k", { n: 1, tags: ["a"] }, LONG_TTL);
      expect(await cache.get("k")).toEqual({ n: 1, tags: ["a"] });
      await cache.set("k", "replaced", LONG_TTL);
      expect(await cache.get("k")).toBe("replaced");
      expect(await cache.delete("k")).toBe(true);
      expect(await cache.delete("k")).toBe(false);
      expect(await cache.get("k")).toBeUndefined();
    });

    it("stores falsy JSON values distinctly from absence", async () => {
      await h.store.cache.set("zero", 0, LONG_TTL);
      await h.store.cache.set("null", null, LONG_TTL);
      expect(await h.store.cache.get("zero")).toBe(0);
      expect(await h.store.cache.get("null")).toBeNull();
    });

    it("forgets a value once its TTL has run out", async () => {
      await h.store.cache.set("k", "v", SHORT_TTL);
      expect(await h.store.cache.get("k")).toBe("v");
      await h.elapse(SHORT_TTL);
      await eventually(async () => {
        expect(await h.store.cache.get("k")).toBeUndefined();
      });
      expect(await h.store.cache.delete("k")).toBe(false);
    });

    it("hands out copies: mutating a stored or returned value changes nothing", async () => {
      const value = { list: [1] };
      await h.store.cache.set("k", value, LONG_TTL);
      value.list.push(2);
      const read = (await h.store.cache.get("k")) as { list: number[] };
      read.list.push(3);
      expect(await h.store.cache.get("k")).toEqual({ list: [1] });
    });

    it("lets exactly one of many concurrent setIfAbsent callers win", async () => {
      const peer = await h.peer();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? peer : h.store).cache.setIfAbsent("lease", i, LONG_TTL),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await h.store.cache.get("lease")).toBe(results.indexOf(true));
      expect(await h.store.cache.setIfAbsent("lease", "late", LONG_TTL)).toBe(false);
    });

    it("lets setIfAbsent take a key again once it has expired", async () => {
      expect(await h.store.cache.setIfAbsent("lease", "first", SHORT_TTL)).toBe(true);
      await h.elapse(SHORT_TTL);
      await eventually(async () => {
        expect(await h.store.cache.setIfAbsent("lease", "second", LONG_TTL)).toBe(true);
      });
      expect(await h.store.cache.get("lease")).toBe("second");
    });

    it("sets two keys in turn in one step: the second only when the first was absent", async () => {
      const lease = { key: "lease", ttlMs: LONG_TTL };
      const mark = { key: "mark", ttlMs: LONG_TTL };
      expect(await h.store.cache.setIfAbsentInTurn(lease, mark, "a")).toBe(2);
      expect([await h.store.cache.get("lease"), await h.store.cache.get("mark")]).toEqual(["a", "a"]);
      // The first key held: nothing changes, not even an absent second key.
      await h.store.cache.delete("mark");
      expect(await h.store.cache.setIfAbsentInTurn(lease, mark, "b")).toBe(0);
      expect([await h.store.cache.get("lease"), await h.store.cache.get("mark")]).toEqual(["a", undefined]);
      // The first key free, the second held: only the first is taken.
      await h.store.cache.delete("lease");
      await h.store.cache.set("mark", "earlier", LONG_TTL);
      expect(await h.store.cache.setIfAbsentInTurn(lease, mark, "c")).toBe(1);
      expect([await h.store.cache.get("lease"), await h.store.cache.get("mark")]).toEqual(["c", "earlier"]);
    });

    it("lets exactly one of many concurrent setIfAbsentInTurn callers take both keys", async () => {
      const peer = await h.peer();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? peer : h.store).cache.setIfAbsentInTurn(
            { key: "lease", ttlMs: LONG_TTL },
            { key: "mark", ttlMs: LONG_TTL },
            i,
          ),
        ),
      );
      expect(results.filter((n) => n === 2)).toHaveLength(1);
      expect(results.filter((n) => n === 0)).toHaveLength(19);
      expect(await h.store.cache.get("mark")).toBe(results.indexOf(2));
    });

    it("rejects values without a JSON form and TTLs that are not positive", async () => {
      await expect(h.store.cache.set("k", undefined, LONG_TTL)).rejects.toThrow(TypeError);
      await expect(h.store.cache.set("k", "v", 0)).rejects.toThrow(RangeError);
      await expect(h.store.cache.setIfAbsent("k", "v", Number.NaN)).rejects.toThrow(RangeError);
      await expect(
        h.store.cache.setIfAbsentInTurn({ key: "a", ttlMs: LONG_TTL }, { key: "b", ttlMs: 0 }, "v"),
      ).rejects.toThrow(RangeError);
    });
  });

  describe("registry", () => {
    it("lists registered members with their info and expiry until they deregister", async () => {
      const { registry } = h.store;
      expect(await registry.list("pod")).toEqual([]);
      await registry.register("pod", "b", { role: "worker" }, LONG_TTL);
      await registry.register("pod", "a", { role: "api" }, LONG_TTL);
      await registry.register("sse", "c", {}, LONG_TTL);
      const pods = await registry.list("pod");
      expect(pods.map((m) => [m.id, m.info])).toEqual([
        ["a", { role: "api" }],
        ["b", { role: "worker" }],
      ]);
      for (const member of pods) {
        // Redis stamps expiry with its own clock; allow for skew and a slow machine.
        expect(Math.abs(member.expiresAt - (Date.now() + LONG_TTL))).toBeLessThan(10_000);
      }
      await registry.deregister("pod", "a");
      await registry.deregister("pod", "unknown");
      expect((await registry.list("pod")).map((m) => m.id)).toEqual(["b"]);
      expect((await registry.list("sse")).map((m) => m.id)).toEqual(["c"]);
    });

    it("drops members whose TTL ran out without a heartbeat", async () => {
      await h.store.registry.register("pod", "gone", {}, SHORT_TTL);
      await h.store.registry.register("pod", "alive", {}, LONG_TTL);
      await h.elapse(SHORT_TTL);
      await eventually(async () => {
        expect((await h.store.registry.list("pod")).map((m) => m.id)).toEqual(["alive"]);
      });
    });

    it("renews a member that registers again, replacing its info", async () => {
      await h.store.registry.register("pod", "p", { v: 1 }, SHORT_TTL);
      const [first] = await h.store.registry.list("pod");
      await h.store.registry.register("pod", "p", { v: 2 }, LONG_TTL);
      await h.elapse(SHORT_TTL * 2);
      const members = await h.store.registry.list("pod");
      expect(members.map((m) => [m.id, m.info])).toEqual([["p", { v: 2 }]]);
      expect(members[0]?.expiresAt).toBeGreaterThan(first?.expiresAt ?? Infinity);
    });

    it("hands out copies of member info", async () => {
      const info = { tags: ["x"] };
      await h.store.registry.register("pod", "p", info, LONG_TTL);
      info.tags.push("mutated");
      const [member] = await h.store.registry.list("pod");
      (member?.info.tags as string[]).push("mutated too");
      expect((await h.store.registry.list("pod"))[0]?.info).toEqual({ tags: ["x"] });
    });

    it("shows each pod the members registered by the others", async () => {
      const other = await h.peer();
      await h.store.registry.register("pod", "one", { by: "first" }, LONG_TTL);
      await other.registry.register("pod", "two", { by: "second" }, LONG_TTL);
      for (const store of [h.store, other]) {
        expect((await store.registry.list("pod")).map((m) => m.id)).toEqual(["one", "two"]);
      }
      await other.registry.deregister("pod", "one");
      expect((await h.store.registry.list("pod")).map((m) => m.id)).toEqual(["two"]);
    });
  });

  it("reports itself ready and closes twice without error", async () => {
    await expect(h.store.check()).resolves.toBeUndefined();
    await h.store.close();
    await h.store.close();
  });
});
