import { chatTopics, type ChatEvent } from "@parley/contracts";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { TypedBus } from "../../kernel/typed-bus.ts";
import type { Bus, LogEntry } from "../../platform/bus/bus.port.ts";
import { AnswerLog } from "./answer-log.ts";

/** A log whose appends stay pending until `settle` gives each its position. */
function pendingLog() {
  const calls: { data: ChatEvent; resolve: (entry: LogEntry) => void }[] = [];
  const raw = {
    log: {
      append: (key: string, data: unknown) =>
        new Promise<LogEntry>((resolve) => {
          calls.push({
            data: data as ChatEvent,
            resolve: (entry) => {
              resolve({ ...entry, key, data });
            },
          });
        }),
    },
  } as unknown as Bus;
  const bus = new TypedBus({
    bus: raw,
    malformed: { inc: () => undefined },
    logger: pino({ level: "silent" }),
  });
  const settle = (index: number, seq: number) => {
    calls[index]?.resolve({ key: "", seq, epoch: "e1", data: null, time: 0 });
  };
  return { bus, calls, settle };
}

const topic = chatTopics.answerLog("c");
const started: ChatEvent = { type: "message.started", messageId: "m", model: "x/y" };
const delta = (index: number): ChatEvent => ({ type: "message.delta", messageId: "m", index, text: "t" });

describe("AnswerLog", () => {
  it("sends message.started together with the first delta, and later events only after both", async () => {
    const { bus, calls, settle } = pendingLog();
    const log = new AnswerLog(bus, topic);
    log.start(started);
    const first = log.append(delta(0));
    const second = log.append(delta(1));
    await Promise.resolve();
    await Promise.resolve();
    expect(calls.map((c) => c.data.type)).toEqual(["message.started", "message.delta"]);
    settle(0, 1);
    settle(1, 2);
    await first;
    expect(calls.map((c) => c.data)).toEqual([started, delta(0), delta(1)]);
    settle(2, 3);
    await second;
  });

  it("fails when an outage left the first delta before message.started", async () => {
    const { bus, settle } = pendingLog();
    const log = new AnswerLog(bus, topic);
    log.start(started);
    const first = log.append(delta(0));
    await Promise.resolve();
    settle(0, 7);
    settle(1, 6);
    await expect(first).rejects.toMatchObject({ code: "server.unavailable" });
  });

  it("sends message.sources with message.started and the first delta, in one round, and checks their order", async () => {
    const sources: ChatEvent = { type: "message.sources", messageId: "m", sources: [] };
    const { bus, calls, settle } = pendingLog();
    const log = new AnswerLog(bus, topic);
    log.start(started, sources);
    const first = log.append(delta(0));
    await Promise.resolve();
    await Promise.resolve();
    expect(calls.map((c) => c.data.type)).toEqual(["message.started", "message.sources", "message.delta"]);
    settle(0, 1);
    settle(1, 3);
    settle(2, 2);
    await expect(first).rejects.toMatchObject({ code: "server.unavailable" });
  });

  it("appends a start still held when the answer ends without another event", async () => {
    const { bus, calls, settle } = pendingLog();
    const log = new AnswerLog(bus, topic);
    log.start(started);
    const flushed = log.flush();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls.map((c) => c.data)).toEqual([started]);
    settle(0, 1);
    await flushed;
  });
});
