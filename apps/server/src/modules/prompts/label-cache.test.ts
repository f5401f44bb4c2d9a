import { promptTopics } from "@parley/contracts";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { TypedBus } from "../../kernel/typed-bus.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { MemoryBus } from "../../platform/bus/memory-bus.ts";
import { LABEL_CACHE_TTL_MS, LabelCache, PromptChanges } from "./label-cache.ts";
import type { LabelRow } from "./prompts.repository.ts";

const row = (version: number): LabelRow => ({
  prompt_id: "p1",
  label: "production",
  split: JSON.stringify([{ version, weight: 100 }]),
  protected: 0,
  updated_by: null,
  updated_at: 0,
});

function sharedBus() {
  const raw = new MemoryBus();
  const counts = { malformed: 0 };
  const bus = new TypedBus({
    bus: raw,
    malformed: {
      inc: () => {
        counts.malformed++;
      },
    },
    logger: pino({ level: "silent" }),
  });
  return { raw, bus, counts };
}

describe("label cache across pods", () => {
  it("serves cached labels until a change is announced on the bus by any pod, then reloads", async () => {
    const clock = new ManualClock(0);
    let stored = row(1);
    let loads = 0;
    const load = () => {
      loads++;
      return Promise.resolve([stored]);
    };
    const { raw, bus } = sharedBus();
    // Two pods sharing one bus, each with its own cache.
    const cacheA = new LabelCache({ load, clock });
    const cacheB = new LabelCache({ load, clock });
    const podA = new PromptChanges({ bus, podId: "a", cache: cacheA });
    const podB = new PromptChanges({ bus, podId: "b", cache: cacheB });
    const stops = [await podA.listen(), await podB.listen()];

    expect((await cacheB.labelsOf("p1"))[0]?.split).toContain('"version":1');
    await cacheB.labelsOf("p1");
    expect(loads).toBe(1);

    stored = row(2);
    await podA.announce("p1", "label");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cacheB.has("p1")).toBe(false);
    expect((await cacheB.labelsOf("p1"))[0]?.split).toContain('"version":2');
    expect(loads).toBe(2);

    // Without an announcement, the TTL is the backstop.
    stored = row(3);
    clock.advance(LABEL_CACHE_TTL_MS + 1);
    expect((await cacheB.labelsOf("p1"))[0]?.split).toContain('"version":3');
    for (const stop of stops) await stop();
    await raw.close();
  });

  it("drops only the announced prompt and ignores malformed announcements", async () => {
    const clock = new ManualClock(0);
    const { raw, bus, counts } = sharedBus();
    const cache = new LabelCache({ load: () => Promise.resolve([]), clock });
    const stop = await new PromptChanges({ bus, podId: "a", cache }).listen();
    await cache.labelsOf("p1");
    await cache.labelsOf("p2");
    await bus.publish(promptTopics.changed, { promptId: "p2", change: "versioned", pod: "b" });
    // A payload missing its fields is dropped (and counted) by the typed bus.
    await raw.pubsub.publish(promptTopics.changed.address, { promptId: 5 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cache.has("p1")).toBe(true);
    expect(cache.has("p2")).toBe(false);
    expect(counts.malformed).toBe(1);
    await stop();
    await raw.close();
  });
});

describe("label cache racing a drop", () => {
  /** A load the test finishes when it chooses. */
  function gatedLoads() {
    const pending: ((rows: LabelRow[]) => void)[] = [];
    const load = () => new Promise<LabelRow[]>((resolve) => pending.push(resolve));
    return { load, finish: (rows: LabelRow[]) => pending.shift()?.(rows) };
  }

  it("does not keep labels a load read before a drop it finished after", async () => {
    const gate = gatedLoads();
    const cache = new LabelCache({ load: gate.load, clock: new ManualClock(0) });
    const racing = cache.labelsOf("p1");
    // The label moves (and is announced) while the load is under way with the old row.
    cache.drop("p1");
    gate.finish([row(1)]);
    expect((await racing)[0]?.split).toContain('"version":1');
    expect(cache.has("p1")).toBe(false);
    // The next call loads again and keeps what it reads.
    const next = cache.labelsOf("p1");
    gate.finish([row(2)]);
    expect((await next)[0]?.split).toContain('"version":2');
    expect(cache.has("p1")).toBe(true);
    expect((await cache.labelsOf("p1"))[0]?.split).toContain('"version":2');
  });

  it("keeps a load that only another prompt's drop overtook, and one started after the drop", async () => {
    const gate = gatedLoads();
    const cache = new LabelCache({ load: gate.load, clock: new ManualClock(0) });
    const p1 = cache.labelsOf("p1");
    cache.drop("p2");
    gate.finish([row(1)]);
    await p1;
    expect(cache.has("p1")).toBe(true);

    cache.drop("p3");
    const first = cache.labelsOf("p3");
    const second = cache.labelsOf("p4");
    cache.drop("p4");
    gate.finish([row(3)]);
    gate.finish([row(4)]);
    await Promise.all([first, second]);
    expect(cache.has("p3")).toBe(true);
    expect(cache.has("p4")).toBe(false);
  });
});
