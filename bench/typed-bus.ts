/**
 * What checking bus payloads against their schemas costs on the chat path (ADR 0017): each
 * answer chunk is one log entry, relayed to every SSE connection following its conversation.
 * Compares the raw port (a cast) with the typed bus, in one process, on the in-process log.
 * Usage: node bench/typed-bus.ts
 */
import { ChatEvent, chatTopics } from "@parley/contracts";
import pino from "pino";
import { TypedBus } from "../apps/server/src/kernel/typed-bus.ts";
import { MemoryBus } from "../apps/server/src/platform/bus/memory-bus.ts";

const ROUNDS = 5;
const delta = (index: number) =>
  ({ type: "message.delta", messageId: "m_01", index, text: " token" }) as const;

/** Nanoseconds per call of `run`, the median of ROUNDS rounds of `n` calls. */
function perCall(n: number, run: (i: number) => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) run(i);
    rounds.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return rounds.toSorted((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? NaN;
}

/** Microseconds per appended entry until every follower got all of them, for one round. */
async function relayOnce(followers: number, typed: boolean, entries: number): Promise<number> {
  const raw = new MemoryBus({});
  const bus = new TypedBus({
    bus: raw,
    malformed: { inc: () => undefined },
    logger: pino({ level: "silent" }),
  });
  const topic = chatTopics.answerLog("c_1");
  let received = 0;
  let text = 0;
  for (let f = 0; f < followers; f++) {
    if (typed) {
      await bus.follow(topic, { afterSeq: 0 }, (entry) => {
        if (entry.data.type === "message.delta") text += entry.data.text.length;
        received++;
      });
    } else {
      await raw.log.follow(topic.address, { afterSeq: 0 }, (entry) => {
        const event = entry.data as ChatEvent;
        if (event.type === "message.delta") text += event.text.length;
        received++;
      });
    }
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < entries; i++) await raw.log.append(topic.address, delta(i));
  while (received < entries * followers) await new Promise((resolve) => setImmediate(resolve));
  const us = Number(process.hrtime.bigint() - t0) / entries / 1_000;
  await raw.close();
  if (text === 0) throw new Error("nothing relayed");
  return us;
}

/** Medians of raw and typed relays, their rounds interleaved (after one warm-up each) so load drifts hit both. */
async function relay(followers: number, entries = 20_000): Promise<{ raw: number; typed: number }> {
  await relayOnce(followers, false, entries);
  await relayOnce(followers, true, entries);
  const raw: number[] = [];
  const typed: number[] = [];
  for (let r = 0; r < ROUNDS * 2 - 1; r++) {
    raw.push(await relayOnce(followers, false, entries));
    typed.push(await relayOnce(followers, true, entries));
  }
  const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return { raw: median(raw), typed: median(typed) };
}

const encoded = JSON.stringify(delta(7));
console.log(`node ${process.version}`);
perCall(200_000, () => JSON.parse(encoded) as unknown); // warm-up
perCall(200_000, (i) => ChatEvent.safeParse(delta(i)));
console.log(
  `JSON.parse of a delta entry (what every bus read already does): ${perCall(200_000, () => JSON.parse(encoded) as unknown).toFixed(0)} ns`,
);
console.log(
  `ChatEvent.safeParse of a delta: ${perCall(200_000, (i) => ChatEvent.safeParse(delta(i))).toFixed(0)} ns`,
);
for (const followers of [1, 40]) {
  const { raw, typed } = await relay(followers);
  console.log(
    `append + relay to ${followers} follower(s), per entry: raw ${raw.toFixed(2)} µs, typed ${typed.toFixed(2)} µs`,
  );
}
