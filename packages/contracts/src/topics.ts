import type { z } from "zod";

/**
 * How a topic travels on the bus: `event` is fire-and-forget pub/sub to every subscriber, `job`
 * a work-queue entry handed to one consumer, `log` an entry of the durable, replayable log.
 */
export type TopicKind = "event" | "job" | "log";

/**
 * A bus topic: where a payload travels and the schema every consumer checks it against. The
 * server's typed bus publishes only `z.input` of the schema and hands consumers `z.output`.
 */
export interface Topic<K extends TopicKind = TopicKind, S extends z.ZodType = z.ZodType> {
  /** Stable, low-cardinality name for metrics and logs, such as `chat-answers`. */
  readonly name: string;
  readonly kind: K;
  readonly schema: S;
  /** Where it travels: the pub/sub subject, the queue name or the log key. */
  readonly address: string;
}

/** The payload a producer sends on a topic. */
export type TopicInput<T extends Topic> = z.input<T["schema"]>;
/** The payload a consumer receives from a topic, once validated. */
export type TopicPayload<T extends Topic> = z.output<T["schema"]>;

/**
 * Declares a topic with one fixed address (its name, unless given).
 * @example
 * export const cancelTopic = defineTopic({ name: "chat-cancel", kind: "event", schema: CancelGeneration });
 */
export function defineTopic<K extends TopicKind, S extends z.ZodType>(def: {
  name: string;
  kind: K;
  schema: S;
  address?: string;
}): Topic<K, S> {
  return { name: def.name, kind: def.kind, schema: def.schema, address: def.address ?? def.name };
}

/**
 * Declares a family of topics that share a name and a schema but travel on an address built from
 * arguments (a log key per conversation, say): the one place that address is spelled.
 * @example
 * const answerLog = defineTopicFamily({
 *   name: "chat-answers", kind: "log", schema: ChatEvent,
 *   address: (conversationId: string) => `chat-${conversationId}`,
 * });
 * answerLog("c_1").address; // "chat-c_1"
 */
export function defineTopicFamily<
  K extends TopicKind,
  S extends z.ZodType,
  A extends readonly unknown[],
>(def: { name: string; kind: K; schema: S; address: (...args: A) => string }): (...args: A) => Topic<K, S> {
  return (...args) => ({ name: def.name, kind: def.kind, schema: def.schema, address: def.address(...args) });
}
