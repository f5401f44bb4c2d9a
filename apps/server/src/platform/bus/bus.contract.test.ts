import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Job, LogEntry } from "./bus.port.ts";
import type { BusCommonOptions } from "./bus-common.ts";
import type { BusFactory, BusHarness } from "./bus-test-support.ts";
import { memoryFactory, natsFactory, pause, waitFor } from "./bus-test-support.ts";

const fastRetry = { retryDelayMs: () => 50 } satisfies BusCommonOptions;

describe.each([
  ["memory", memoryFactory()],
  ["nats", natsFactory()],
] as const)("Bus contract (%s)", (_kind, factory: BusFactory) => {
  const open: BusHarness[] = [];
  const start = async (options?: BusCommonOptions): Promise<BusHarness> => {
    const harness = await factory.create({ ...fastRetry, ...options });
    open.push(harness);
    return harness;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });
  afterAll(async () => {
    await factory.cleanup();
  });

  describe("log head", () => {
    it("reports the log's head: following from it delivers only later entries", async () => {
      const { bus } = await start();
      const key = `head${Date.now()}`;
      await bus.log.append(key, { n: 1 });
      const head = await bus.log.head();
      expect(head.seq).toBeGreaterThan(0);
      expect(head.epoch).toBe(await bus.log.epoch());
      const seen: unknown[] = [];
      const sub = await bus.log.follow(key, { afterSeq: head.seq }, (entry) => seen.push(entry.data));
      await bus.log.append(key, { n: 2 });
      await waitFor("the later entry", () => seen.length === 1);
      expect(seen).toEqual([{ n: 2 }]);
      await sub.close();
    });
  });

  describe("log dedupe", () => {
    it("stores an append retried with the same dedupe id once, answering the first position", async () => {
      const { bus } = await start();
      const key = `dedupe${Date.now()}`;
      const first = await bus.log.append(key, { i: 0 }, { dedupeId: "m1:delta:0" });
      const again = await bus.log.append(key, { i: 0 }, { dedupeId: "m1:delta:0" });
      const other = await bus.log.append(key, { i: 1 }, { dedupeId: "m1:delta:1" });
      expect(again.seq).toBe(first.seq);
      expect(other.seq).toBeGreaterThan(first.seq);
      const entries = await bus.log.read(key, { afterSeq: 0 });
      expect(entries.map((e) => e.data)).toEqual([{ i: 0 }, { i: 1 }]);
    });
  });

  describe("pub/sub", () => {
    it("delivers a message to every subscriber, in every process, and stops after close", async () => {
      const { bus, peer } = await start();
      const other = await peer();
      const a: unknown[] = [];
      const b: unknown[] = [];
      const c: unknown[] = [];
      const subA = await bus.pubsub.subscribe("cancel.m1", (p) => a.push(p));
      await bus.pubsub.subscribe("cancel.m1", (p) => b.push(p));
      await other.pubsub.subscribe("cancel.m1", (p) => c.push(p));
      await bus.pubsub.subscribe("cancel.m2", (p) => a.push(p));
      await bus.pubsub.publish("cancel.m1", { n: 1 });
      await waitFor("all three subscribers got it", () => a.length === 1 && b.length === 1 && c.length === 1);
      expect([a, b, c]).toEqual([[{ n: 1 }], [{ n: 1 }], [{ n: 1 }]]);

      await subA.close();
      await subA.close();
      await other.pubsub.publish("cancel.m1", { n: 2 });
      await waitFor("the open subscribers got the second one", () => b.length === 2 && c.length === 2);
      expect(a).toEqual([{ n: 1 }]);
    });

    it("hands each subscriber its own copy of the payload", async () => {
      const { bus } = await start();
      const seen: { list: number[] }[] = [];
      const handler = (p: unknown): void => {
        const payload = p as { list: number[] };
        payload.list.push(99);
        seen.push(payload);
      };
      await bus.pubsub.subscribe("copy", handler);
      await bus.pubsub.subscribe("copy", handler);
      const sent = { list: [1] };
      await bus.pubsub.publish("copy", sent);
      await waitFor("both copies arrived", () => seen.length === 2);
      expect(seen).toEqual([{ list: [1, 99] }, { list: [1, 99] }]);
      expect(sent).toEqual({ list: [1] });
    });

    it("rejects subjects that are not dot-separated plain tokens", async () => {
      const { bus } = await start();
      await expect(bus.pubsub.publish("a.*", {})).rejects.toThrow(/invalid subject/);
      await expect(bus.pubsub.subscribe("a..b", () => undefined)).rejects.toThrow(/invalid subject/);
    });
  });

  describe("work queue", () => {
    const options = { concurrency: 4, ackWaitMs: 10_000, maxAttempts: 3 };

    it("hands each job to exactly one of two competing consumers", async () => {
      const { bus, peer } = await start();
      const other = await peer();
      const handled: string[] = [];
      const handler = (job: Job): Promise<void> => {
        handled.push(job.id);
        return Promise.resolve();
      };
      await bus.queue.consume("work", handler, options);
      await other.queue.consume("work", handler, options);
      const ids = Array.from({ length: 30 }, (_, i) => `job-${i}`);
      await Promise.all(ids.map((id) => bus.queue.enqueue("work", { id, payload: { id } })));
      await waitFor("every job was handled", () => new Set(handled).size === ids.length);
      // Embedded, the "other process" is the same bus: count each bus once.
      const acked = (): number => [...new Set([bus, other])].reduce((sum, b) => sum + b.stats().acked, 0);
      await waitFor("every job was acknowledged", () => acked() === ids.length);
      expect(handled.toSorted()).toEqual(ids.toSorted());
    });

    it("redelivers a job whose handler threw, with attempt 2", async () => {
      const { bus } = await start();
      const attempts: number[] = [];
      await bus.queue.consume(
        "flaky",
        (job) => {
          attempts.push(job.attempt);
          return job.attempt === 1 ? Promise.reject(new Error("boom")) : Promise.resolve();
        },
        options,
      );
      await bus.queue.enqueue("flaky", { id: "j1", payload: { text: "hi" } });
      await waitFor("the job was acknowledged", () => bus.stats().acked === 1);
      expect(attempts).toEqual([1, 2]);
      expect(bus.stats().redelivered).toBe(1);
    });

    it("drops a job after maxAttempts failures and reports it", async () => {
      const { bus, errors } = await start();
      const attempts: number[] = [];
      await bus.queue.consume(
        "doomed",
        (job) => {
          attempts.push(job.attempt);
          return Promise.reject(new Error("always"));
        },
        { ...options, maxAttempts: 2 },
      );
      await bus.queue.enqueue("doomed", { id: "j1", payload: null });
      await waitFor("the drop was reported", () => errors.length === 1);
      expect(String(errors[0])).toMatch(/dropped after 2 attempts/);
      await pause(500);
      expect(attempts).toEqual([1, 2]);
    });

    it("drops a second enqueue with the same job id", async () => {
      const { bus } = await start();
      await bus.queue.enqueue("dedupe", { id: "same", payload: 1 });
      await bus.queue.enqueue("dedupe", { id: "same", payload: 2 });
      await bus.queue.enqueue("dedupe", { id: "other", payload: 3 });
      const payloads: unknown[] = [];
      await bus.queue.consume(
        "dedupe",
        (job) => {
          payloads.push(job.payload);
          return Promise.resolve();
        },
        options,
      );
      await waitFor("both distinct jobs were acknowledged", () => bus.stats().acked === 2);
      await bus.queue.enqueue("dedupe", { id: "same", payload: 4 });
      await pause(300);
      expect(payloads.toSorted()).toEqual([1, 3]);
      expect(bus.stats().enqueued).toBe(2);
    });

    it("redelivers a job that outlives ackWaitMs, unless the handler calls extend()", async () => {
      const { bus } = await start();
      const deliveries: Record<string, number[]> = { slow: [], extended: [] };
      await bus.queue.consume(
        "slow",
        async (job) => {
          (deliveries[job.id] ??= []).push(job.attempt);
          for (let i = 0; i < 8 && job.attempt === 1; i++) {
            await pause(250);
            if (job.id === "extended") await job.extend();
          }
        },
        { concurrency: 4, ackWaitMs: 1_000, maxAttempts: 5 },
      );
      await bus.queue.enqueue("slow", { id: "slow", payload: null });
      await bus.queue.enqueue("slow", { id: "extended", payload: null });
      await waitFor("both jobs were acknowledged", () => bus.stats().acked >= 2);
      expect(deliveries.extended).toEqual([1]);
      expect(deliveries.slow).toEqual([1, 2]);
    });

    it("runs at most `concurrency` jobs at once", async () => {
      const { bus } = await start();
      let running = 0;
      let peak = 0;
      await bus.queue.consume(
        "limited",
        async () => {
          peak = Math.max(peak, ++running);
          await pause(50);
          running--;
        },
        { ...options, concurrency: 2 },
      );
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => bus.queue.enqueue("limited", { id: `j${i}`, payload: i })),
      );
      await waitFor("all jobs were acknowledged", () => bus.stats().acked === 8);
      expect(peak).toBeLessThanOrEqual(2);
    });

    it("rejects invalid queue names and consumer options", async () => {
      const { bus } = await start();
      await expect(bus.queue.enqueue("a.b", { id: "x", payload: null })).rejects.toThrow(
        /invalid queue name/,
      );
      await expect(
        bus.queue.consume("q", () => Promise.resolve(), { ...options, concurrency: 0 }),
      ).rejects.toThrow(/invalid concurrency/);
    });
  });

  describe("event log", () => {
    const appendAll = async (harness: BusHarness, key: string, count: number): Promise<LogEntry[]> => {
      const entries: LogEntry[] = [];
      for (let i = 0; i < count; i++) entries.push(await harness.bus.log.append(key, { index: i }));
      return entries;
    };

    it("returns entries in append order with increasing seq and the current epoch", async () => {
      const harness = await start();
      const appended = await appendAll(harness, "m1", 10);
      const read = await harness.bus.log.read("m1", { afterSeq: 0 });
      expect(read).toEqual(appended);
      expect(read.map((e) => e.data)).toEqual(Array.from({ length: 10 }, (_, index) => ({ index })));
      for (let i = 1; i < read.length; i++)
        expect(read[i]?.seq).toBeGreaterThan(read[i - 1]?.seq ?? Infinity);
      const epoch = await harness.bus.log.epoch();
      expect(read.every((e) => e.epoch === epoch && e.key === "m1")).toBe(true);
    });

    it("reads exactly the entries after a seq, at most `limit`", async () => {
      const harness = await start();
      const appended = await appendAll(harness, "m1", 12);
      await appendAll(harness, "m2", 3);
      const after = appended[4]?.seq ?? 0;
      expect(await harness.bus.log.read("m1", { afterSeq: after })).toEqual(appended.slice(5));
      expect(await harness.bus.log.read("m1", { afterSeq: after, limit: 3 })).toEqual(appended.slice(5, 8));
      expect(await harness.bus.log.read("m1", { afterSeq: appended[11]?.seq ?? 0 })).toEqual([]);
      expect(await harness.bus.log.read("unknown", { afterSeq: 0 })).toEqual([]);
    });

    it("keeps a copy: mutating appended data afterwards changes nothing", async () => {
      const { bus } = await start();
      const data = { text: "Hel" };
      const entry = await bus.log.append("m1", data);
      data.text = "changed";
      (entry.data as { text: string }).text = "changed too";
      expect((await bus.log.read("m1", { afterSeq: 0 }))[0]?.data).toEqual({ text: "Hel" });
    });

    it("follow replays then goes live with no gap or duplicate while 200 appends race", async () => {
      const { bus } = await start();
      const seen: LogEntry[] = [];
      let follow: Promise<unknown> | undefined;
      const appends: Promise<LogEntry>[] = [];
      for (let i = 0; i < 200; i++) {
        appends.push(bus.log.append("race", { index: i }));
        if (i === 100) follow = bus.log.follow("race", { afterSeq: 0 }, (entry) => seen.push(entry));
        if (i % 20 === 0) await pause(1);
      }
      const appended = await Promise.all(appends);
      await follow;
      await waitFor("the follower saw all 200", () => seen.length >= 200);
      await pause(100);
      const expected = appended.map((e) => e.seq).toSorted((x, y) => x - y);
      expect(seen.map((e) => e.seq)).toEqual(expected);
    });

    it("follow after a seq delivers only later entries, then live ones", async () => {
      const harness = await start();
      const before = await appendAll(harness, "m1", 5);
      const seen: number[] = [];
      await harness.bus.log.follow("m1", { afterSeq: before[2]?.seq ?? 0 }, (e) => seen.push(e.seq));
      const live = await harness.bus.log.append("m1", { index: 5 });
      await harness.bus.log.append("m2", { other: true });
      await waitFor("the follower caught up", () => seen.length >= 3);
      expect(seen).toEqual([before[3]?.seq, before[4]?.seq, live.seq]);
    });

    it("gives two followers of one key, in two processes, identical sequences", async () => {
      const { bus, peer } = await start();
      const other = await peer();
      const a: LogEntry[] = [];
      const b: LogEntry[] = [];
      await bus.log.follow("m1", { afterSeq: 0 }, (e) => a.push(e));
      const writes = Array.from({ length: 50 }, (_, i) => bus.log.append("m1", { index: i }));
      await other.log.follow("m1", { afterSeq: 0 }, (e) => b.push(e));
      writes.push(...Array.from({ length: 50 }, (_, i) => other.log.append("m1", { index: 50 + i })));
      await Promise.all(writes);
      await waitFor("both followers saw all 100", () => a.length >= 100 && b.length >= 100);
      expect(b).toEqual(a);
    });

    it("stops calling a follower once it is closed", async () => {
      const { bus } = await start();
      const seen: number[] = [];
      const sub = await bus.log.follow("m1", { afterSeq: 0 }, (e) => seen.push(e.seq));
      await bus.log.append("m1", 1);
      await waitFor("the first entry arrived", () => seen.length === 1);
      await sub.close();
      await sub.close();
      await bus.log.append("m1", 2);
      await pause(300);
      expect(seen).toHaveLength(1);
    });

    it("purge removes the entries of one key only, and later appends keep increasing seq", async () => {
      const harness = await start();
      const a = await appendAll(harness, "a", 3);
      const b = await appendAll(harness, "b", 2);
      await harness.bus.log.purge("a");
      expect(await harness.bus.log.read("a", { afterSeq: 0 })).toEqual([]);
      expect(await harness.bus.log.read("b", { afterSeq: 0 })).toEqual(b);
      const next = await harness.bus.log.append("a", { again: true });
      expect(next.seq).toBeGreaterThan(Math.max(...a.map((e) => e.seq), ...b.map((e) => e.seq)));
    });

    it("keeps one epoch while the log lives and gets a new one when the log is lost", async () => {
      const harness = await start();
      const first = await harness.bus.log.append("m1", 1);
      expect(await harness.bus.log.epoch()).toBe(first.epoch);
      expect(await harness.bus.log.epoch()).toBe(first.epoch);
      const after = await harness.loseLog();
      const epoch = await after.log.epoch();
      expect(epoch).not.toBe(first.epoch);
      const entry = await after.log.append("m1", 2);
      expect(entry.epoch).toBe(epoch);
      expect(await after.log.read("m1", { afterSeq: 0 })).toEqual([entry]);
    });

    it("rejects keys that are not one plain token", async () => {
      const { bus } = await start();
      for (const key of ["a.b", "*", ">", "", "a b"]) {
        await expect(bus.log.append(key, 1)).rejects.toThrow(/invalid log key/);
        await expect(bus.log.read(key, { afterSeq: 0 })).rejects.toThrow(/invalid log key/);
        await expect(bus.log.follow(key, { afterSeq: 0 }, () => undefined)).rejects.toThrow(
          /invalid log key/,
        );
        await expect(bus.log.purge(key)).rejects.toThrow(/invalid log key/);
      }
    });

    it("keeps only the newest logMaxPerKey entries of each key", async () => {
      const harness = await start({ logMaxPerKey: 3 });
      const a = await appendAll(harness, "a", 5);
      const b = await appendAll(harness, "b", 2);
      expect(await harness.bus.log.read("a", { afterSeq: 0 })).toEqual(a.slice(2));
      expect(await harness.bus.log.read("b", { afterSeq: 0 })).toEqual(b);
    });

    it("drops entries older than logRetentionMs", async () => {
      const harness = await start({ logRetentionMs: 1_000 });
      await appendAll(harness, "old", 2);
      await waitFor(
        "the entries expired",
        async () => (await harness.bus.log.read("old", { afterSeq: 0 })).length === 0,
      );
    });
  });

  describe("component", () => {
    it("checks, counts, and closes idempotently", async () => {
      const harness = await start();
      const { bus } = harness;
      await bus.check();
      const sub = await bus.pubsub.subscribe("s", () => undefined);
      await bus.log.follow("k", { afterSeq: 0 }, () => undefined);
      expect(bus.stats().activeSubscriptions).toBe(2);
      await sub.close();
      expect(bus.stats().activeSubscriptions).toBe(1);
      await bus.log.append("k", 1);
      expect(bus.stats()).toMatchObject({ appended: 1, activeSubscriptions: 1 });
      await bus.close();
      await bus.close();
      expect(bus.stats().activeSubscriptions).toBe(0);
      await expect(bus.check()).rejects.toThrow();
    });
  });
});
