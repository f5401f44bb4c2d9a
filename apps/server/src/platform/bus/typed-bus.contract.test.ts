import { defineTopic, defineTopicFamily } from "@parley/contracts";
import pino from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { TypedBus, type TypedLogEntry } from "../../kernel/typed-bus.ts";
import { createMetrics } from "../metrics/metrics.ts";
import type { BusFactory, BusHarness } from "./bus-test-support.ts";
import { memoryFactory, natsFactory, pause, waitFor } from "./bus-test-support.ts";

// The input a producer sends may omit `tag`; consumers always get it (z.input vs z.output).
const Ping = z.object({ n: z.number().int(), tag: z.string().default("none") });
const pings = defineTopic({ name: "test-pings", kind: "event", schema: Ping });
const work = defineTopic({ name: "test-work", kind: "job", schema: Ping });
const pingLog = defineTopicFamily({
  name: "test-log",
  kind: "log",
  schema: Ping,
  address: (id: string) => `test-${id}`,
});
const SECRET = "sk-live-do-not-log";

describe.each([
  ["memory", memoryFactory()],
  ["nats", natsFactory()],
] as const)("Typed bus contract (%s)", (_kind, factory: BusFactory) => {
  const open: BusHarness[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });
  afterAll(async () => {
    await factory.cleanup();
  });

  /** A harness with a typed bus over it, its malformed counter and its log lines. */
  const start = async () => {
    const harness = await factory.create({ retryDelayMs: () => 50 });
    open.push(harness);
    const metrics = createMetrics({ pod: "test", role: "all" });
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const typed = new TypedBus({ bus: harness.bus, malformed: metrics.busMalformed, logger });
    const rejected = async (topic: string): Promise<number> =>
      (await metrics.busMalformed.get()).values.find((v) => v.labels.topic === topic)?.value ?? 0;
    return { harness, typed, rejected, lines };
  };

  it("delivers well-formed events parsed, and drops, counts and logs a malformed one published raw", async () => {
    const { harness, typed, rejected, lines } = await start();
    const seen: z.output<typeof Ping>[] = [];
    await typed.subscribe(pings, (payload) => seen.push(payload));
    await harness.bus.pubsub.publish(pings.address, { n: "one", apiKey: SECRET });
    await typed.publish(pings, { n: 1 });
    await waitFor("the well-formed event arrived", () => seen.length === 1);
    expect(seen).toEqual([{ n: 1, tag: "none" }]);
    expect(await rejected("test-pings")).toBe(1);
    expect(lines.join("")).toContain('"topic":"test-pings"');
    expect(lines.join("")).not.toContain(SECRET);
  });

  it("acknowledges a malformed job once, without calling the handler or redelivering it", async () => {
    const { harness, typed, rejected } = await start();
    const handled: z.output<typeof Ping>[] = [];
    await typed.consume(
      work,
      (job) => {
        handled.push(job.payload);
        return Promise.resolve();
      },
      { concurrency: 2, ackWaitMs: 10_000, maxAttempts: 5 },
    );
    await harness.bus.queue.enqueue(work.address, { id: "bad", payload: { n: 1.5 } });
    await typed.enqueue(work, { id: "good", payload: { n: 2, tag: "t" } });
    await waitFor("both jobs were acknowledged", () => harness.bus.stats().acked === 2);
    await pause(300);
    expect(handled).toEqual([{ n: 2, tag: "t" }]);
    expect(await rejected("test-work")).toBe(1);
    expect(harness.bus.stats().redelivered).toBe(0);
    expect(harness.errors).toEqual([]);
  });

  it("skips a malformed log entry for followers and readers, checking each entry once per process", async () => {
    const { harness, typed, rejected } = await start();
    const topic = pingLog(`k${Date.now()}`);
    const a: TypedLogEntry<z.output<typeof Ping>>[] = [];
    const b: TypedLogEntry<z.output<typeof Ping>>[] = [];
    const head = await typed.head();
    await typed.follow(topic, { afterSeq: head.seq }, (entry) => a.push(entry));
    await typed.follow(topic, { afterSeq: head.seq }, (entry) => b.push(entry));
    await harness.bus.log.append(topic.address, { n: null, password: SECRET });
    const written = await typed.append(topic, { n: 3 });
    await waitFor("both followers got the well-formed entry", () => a.length === 1 && b.length === 1);
    expect(a[0]).toMatchObject({ seq: written.seq, epoch: written.epoch, data: { n: 3, tag: "none" } });
    // One decoded entry for both: the SSE relay serialises it once however many connections follow.
    expect(b[0]).toBe(a[0]);
    expect(await rejected("test-log")).toBe(1);
    const read = await typed.read(topic, { afterSeq: head.seq });
    expect(read.map((e) => e.data)).toEqual([{ n: 3, tag: "none" }]);
  });

  it("type-checks producers against the topic's schema and kind", () => {
    const typed = null as unknown as TypedBus;
    const never = () => {
      // @ts-expect-error n must be a number
      void typed.publish(pings, { n: "1" });
      // @ts-expect-error a job topic is not published as an event
      void typed.publish(work, { n: 1 });
      // @ts-expect-error a log entry needs its payload
      void typed.append(pingLog("k"), {});
    };
    expect(typeof never).toBe("function");
  });
});
