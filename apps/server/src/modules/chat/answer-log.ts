import type { ChatEvent, chatTopics } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { LogPosition, TypedBus } from "../../kernel/typed-bus.ts";

/** A conversation's answer log: `chatTopics.answerLog(conversationId)`. */
export type AnswerLogTopic = ReturnType<typeof chatTopics.answerLog>;

/** How long an append keeps retrying while the log is unreachable (a NATS restart, say). */
const APPEND_PATIENCE_MS = 20_000;

/**
 * Appends an event, retrying through a short outage of the log. Each event has a dedupe id
 * (its message, kind and index), so a retry of an append that did land stores nothing twice
 * and no index is ever reused.
 * @returns the entry, at its first position when a retry found it stored already.
 */
export async function appendReliably(
  bus: TypedBus,
  topic: AnswerLogTopic,
  event: ChatEvent,
): Promise<LogPosition> {
  const dedupeId = `${event.messageId}:${event.type === "message.delta" ? `delta:${event.index}` : event.type === "message.started" ? "started" : "end"}`;
  const deadline = Date.now() + APPEND_PATIENCE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await bus.append(topic, event, { dedupeId });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }
}

/**
 * One answer's events on its conversation's log, in order: each event waits for the append of
 * the one before it. The exception is `message.started`, which is held until the next event and
 * sent together with it (the first delta, usually), so the first token does not wait for one more
 * round trip. Appends from one process reach the log in the order they are sent; only an outage
 * between the two, whose retries could cross, may reorder them, and the positions the log gives
 * back tell: the answer then fails rather than leave a delta before its start unnoticed.
 * @example
 * const log = new AnswerLog(bus, chatTopics.answerLog(conversationId));
 * log.start(started); await log.append(firstDelta);
 */
export class AnswerLog {
  readonly #bus: TypedBus;
  readonly #topic: AnswerLogTopic;
  #held: ChatEvent | null = null;
  #appended: Promise<unknown> = Promise.resolve();

  constructor(bus: TypedBus, topic: AnswerLogTopic) {
    this.#bus = bus;
    this.#topic = topic;
  }

  /** Holds `message.started` for the next append. */
  start(event: ChatEvent): void {
    this.#held = event;
  }

  /** Appends `event` (with the held start, if any) after everything appended before. */
  append(event: ChatEvent): Promise<void> {
    const held = this.#held;
    this.#held = null;
    const next = this.#appended.then((): Promise<unknown> =>
      held ? this.#appendPair(held, event) : appendReliably(this.#bus, this.#topic, event),
    );
    this.#appended = next;
    return next.then(() => undefined);
  }

  /** Appends a start still held (the answer ends without another event of its own) and waits for all. */
  async flush(): Promise<void> {
    const held = this.#held;
    this.#held = null;
    if (held) {
      this.#appended = this.#appended.then(() => appendReliably(this.#bus, this.#topic, held));
    }
    await this.#appended;
  }

  async #appendPair(first: ChatEvent, second: ChatEvent): Promise<void> {
    const [a, b] = await Promise.all([
      appendReliably(this.#bus, this.#topic, first),
      appendReliably(this.#bus, this.#topic, second),
    ]);
    if (a.epoch === b.epoch && a.seq > b.seq) {
      throw new AppError(
        "server.unavailable",
        "The answer's event log was interrupted; send the message again",
      );
    }
  }
}
