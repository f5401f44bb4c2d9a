import { describe, expect, it } from "vitest";
import { ManualClock } from "../../platform/clock/clock.ts";
import { PracticeCache, type CachedPractice } from "./practice-cache.ts";

/** A cache over a store the test changes, counting loads. */
function setup(options: { ttlMs?: number; maxTeams?: number } = {}) {
  const store = new Map<string, CachedPractice[]>();
  const loads: string[] = [];
  const clock = new ManualClock(0);
  const cache = new PracticeCache({
    load: (teamId) => {
      loads.push(teamId);
      return Promise.resolve(store.get(teamId) ?? []);
    },
    clock,
    ttlMs: options.ttlMs ?? 10_000,
    maxTeams: options.maxTeams ?? 10,
  });
  const set = (teamId: string, title: string) =>
    store.set(teamId, [{ id: "p", projectId: null, title, body: "b" }]);
  return { cache, loads, clock, set };
}

describe("PracticeCache", () => {
  it("serves a team's practices from memory until they are dropped", async () => {
    const { cache, loads, set } = setup();
    set("t", "One");
    expect((await cache.get("t"))[0]?.title).toBe("One");
    set("t", "Two");
    expect((await cache.get("t"))[0]?.title).toBe("One");
    cache.drop("t");
    expect((await cache.get("t"))[0]?.title).toBe("Two");
    expect(loads).toEqual(["t", "t"]);
  });

  it("loads again once an entry is older than its bound, for an announcement that was lost", async () => {
    const { cache, loads, clock } = setup({ ttlMs: 1_000 });
    await cache.get("t");
    clock.advance(999);
    await cache.get("t");
    clock.advance(1);
    await cache.get("t");
    expect(loads).toEqual(["t", "t"]);
  });

  it("does not keep a failed load", async () => {
    let fail = true;
    const cache = new PracticeCache({
      load: () => (fail ? Promise.reject(new Error("db down")) : Promise.resolve([])),
      clock: new ManualClock(0),
      ttlMs: 10_000,
      maxTeams: 10,
    });
    await expect(cache.get("t")).rejects.toThrow("db down");
    fail = false;
    await expect(cache.get("t")).resolves.toEqual([]);
  });

  it("keeps at most maxTeams teams, forgetting the oldest", async () => {
    const { cache, loads } = setup({ maxTeams: 2 });
    for (const t of ["a", "b", "c", "b", "a"]) await cache.get(t);
    expect(loads).toEqual(["a", "b", "c", "a"]);
  });
});
