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
  attempt = 1,
): Promise<LogPosition> {
  // A second generation of the answer (its first worker died) counts its deltas from 0 again.
  const dedupeId = `${event.messageId}:${attempt > 1 ? `a${attempt}:` : ""}${dedupeKey(event)}`;
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

/** What tells an answer's events apart for deduplication: an answer has one start, one end. */
function dedupeKey(event: ChatEvent): string {
  switch (event.type) {
    case "message.delta":
      return `delta:${event.index}`;
    case "message.started":
      return "started";
    case "message.sources":
      return "sources";
    case "message.waiting":
      return `waiting:${event.approvalId}`;
    case "message.restarted":
      return "restarted";
    case "conversation.titled":
      return "titled";
    case "conversation.branch_selected":
      return `selected:${event.pathVersion}`;
    case "message.completed":
    case "message.failed":
    case "message.cancelled":
    case "snapshot":
      return "end";
  }
}

/**
 * One answer's events on its conversation's log, in order: each event waits for the append of
 * the one before it. The exception is the answer's opening (`message.started`, and its
 * `message.sources` when it has some), which is held until the next event and sent together with
 * it (the first delta, usually), so the first token does not wait for more round trips. Appends
 * from one process reach the log in the order they are sent; only an outage between them, whose
 * retries could cross, may reorder them, and the positions the log gives back tell: the answer
 * then fails rather than leave a delta before its start unnoticed.
 * @example
 * const log = new AnswerLog(bus, chatTopics.answerLog(conversationId));
 * log.start(started, sources); await log.append(firstDelta);
 */
export class AnswerLog {
  readonly #bus: TypedBus;
  readonly #topic: AnswerLogTopic;
  #held: ChatEvent[] = [];
  #appended: Promise<unknown> = Promise.resolve();

  readonly #attempt: number;

  /** @param attempt which generation of the answer this is (2: after its first worker died). */
  constructor(bus: TypedBus, topic: AnswerLogTopic, attempt = 1) {
    this.#bus = bus;
    this.#topic = topic;
    this.#attempt = attempt;
  }

  /** Holds the answer's opening events (`message.started`, then maybe `message.sources`) for the next append. */
  start(...events: ChatEvent[]): void {
    this.#held = events;
  }

  /** Appends `event` (after the held opening, if any) after everything appended before. */
  append(event: ChatEvent): Promise<void> {
    const held = this.#held;
    this.#held = [];
    const next = this.#appended.then((): Promise<unknown> =>
      held.length ? this.#appendInOrder([...held, event]) : this.#one(event),
    );
    this.#appended = next;
    return next.then(() => undefined);
  }

  /** Appends an opening still held (the answer ends without another event of its own) and waits for all. */
  async flush(): Promise<void> {
    const held = this.#held;
    this.#held = [];
    if (held.length) this.#appended = this.#appended.then(() => this.#appendInOrder(held));
    await this.#appended;
  }

  #one(event: ChatEvent): Promise<LogPosition> {
    return appendReliably(this.#bus, this.#topic, event, this.#attempt);
  }

  /** Appends `events` at once (one round trip), then checks the log kept their order. */
  async #appendInOrder(events: ChatEvent[]): Promise<void> {
    const positions = await Promise.all(events.map((event) => this.#one(event)));
    for (let i = 1; i < positions.length; i++) {
      const [a, b] = [positions[i - 1] as LogPosition, positions[i] as LogPosition];
      if (a.epoch === b.epoch && a.seq > b.seq) {
        throw new AppError(
          "server.unavailable",
          "The answer's event log was interrupted; send the message again",
        );
      }
    }
  }
}
