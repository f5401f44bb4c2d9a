import type { Topic, TopicKind } from "@parley/contracts";
import type { Logger } from "pino";
import type { z } from "zod";
import type { AppendOptions, Bus, ConsumeOptions, Job, LogEntry } from "../platform/bus/bus.port.ts";
import type { Subscription } from "../platform/lifecycle.ts";

/** A job as a typed consumer sees it: its payload checked against the topic's schema. */
export type TypedJob<T> = Omit<Job, "payload"> & { readonly payload: T };

/** A log entry as a typed reader sees it. Followers of a key share one object: never mutate it. */
export type TypedLogEntry<T> = Omit<LogEntry, "data"> & { readonly data: T };

/** Where an append landed. */
export type LogPosition = Omit<LogEntry, "data">;

/** What the typed bus needs besides the bus port. */
export interface TypedBusOptions {
  bus: Bus;
  /** Counts rejected payloads by topic name (`parley_bus_malformed_total{topic}`). */
  malformed: { inc(labels: { topic: string }): void };
  /** Where rejections are logged: topic, address and the issues' paths, never the payload. */
  logger: Pick<Logger, "warn">;
}

const REJECTED = Symbol("rejected");

/**
 * The bus as modules use it: every payload travels on a declared {@link Topic}. Producers are
 * type-checked against the topic's schema (`z.input`); consumers get the schema's output, and a
 * payload that does not match (an old or foreign producer, a raw publish) is dropped, counted and
 * logged instead of reaching the handler: a malformed job is acknowledged, never retried.
 * @example
 * const bus = new TypedBus({ bus: platform.bus, malformed: metrics.busMalformed, logger });
 * await bus.publish(chatTopics.cancel, { messageId });
 * await bus.subscribe(chatTopics.cancel, ({ messageId }) => running.get(messageId)?.abort());
 */
export class TypedBus {
  readonly #bus: Bus;
  readonly #options: TypedBusOptions;
  /** Each log entry object is checked once, however many local followers it is handed to. */
  readonly #checked = new WeakMap<LogEntry, { schema: z.ZodType; entry: TypedLogEntry<unknown> | null }>();

  constructor(options: TypedBusOptions) {
    this.#bus = options.bus;
    this.#options = options;
  }

  /** Publishes an event to every live subscriber, in every process (fire-and-forget). */
  publish<S extends z.ZodType>(topic: Topic<"event", S>, payload: z.input<S>): Promise<void> {
    return this.#bus.pubsub.publish(topic.address, payload);
  }

  /** Calls `handler` with every well-formed event published on `topic` until closed. */
  subscribe<S extends z.ZodType>(
    topic: Topic<"event", S>,
    handler: (payload: z.output<S>) => void,
  ): Promise<Subscription> {
    return this.#bus.pubsub.subscribe(topic.address, (payload) => {
      const checked = this.#check(topic, payload);
      if (checked !== REJECTED) handler(checked);
    });
  }

  /** Enqueues a job for one consumer; a second enqueue with the same id is dropped. */
  enqueue<S extends z.ZodType>(
    topic: Topic<"job", S>,
    job: { id: string; payload: z.input<S> },
  ): Promise<void> {
    return this.#bus.queue.enqueue(topic.address, job);
  }

  /**
   * Consumes the jobs of `topic`. A malformed job is acknowledged without calling `handler`
   * (retrying cannot mend it); a handler that throws gets the job redelivered as usual.
   */
  consume<S extends z.ZodType>(
    topic: Topic<"job", S>,
    handler: (job: TypedJob<z.output<S>>) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Subscription> {
    return this.#bus.queue.consume(
      topic.address,
      (job) => {
        const payload = this.#check(topic, job.payload, job.id);
        if (payload === REJECTED) return Promise.resolve();
        return handler({ id: job.id, attempt: job.attempt, payload, extend: () => job.extend() });
      },
      options,
    );
  }

  /** Appends to the topic's log key; resolves with its position once durable. */
  async append<S extends z.ZodType>(
    topic: Topic<"log", S>,
    data: z.input<S>,
    options?: AppendOptions,
  ): Promise<LogPosition> {
    const { key, seq, epoch, time } = await this.#bus.log.append(topic.address, data, options);
    return { key, seq, epoch, time };
  }

  /** The well-formed retained entries of the topic with `seq > afterSeq`, oldest first. */
  async read<S extends z.ZodType>(
    topic: Topic<"log", S>,
    options: { afterSeq: number; limit?: number },
  ): Promise<TypedLogEntry<z.output<S>>[]> {
    const entries = await this.#bus.log.read(topic.address, options);
    const typed: TypedLogEntry<z.output<S>>[] = [];
    for (const entry of entries) {
      const data = this.#check(topic, entry.data);
      if (data !== REJECTED)
        typed.push({ key: entry.key, seq: entry.seq, epoch: entry.epoch, time: entry.time, data });
    }
    return typed;
  }

  /**
   * Follows the topic's log key (see `EventLog.follow`), skipping malformed entries. An entry the
   * log hands to several followers is checked once and they all get the same typed object.
   */
  follow<S extends z.ZodType>(
    topic: Topic<"log", S>,
    options: { afterSeq: number },
    onEntry: (entry: TypedLogEntry<z.output<S>>) => void,
  ): Promise<Subscription> {
    return this.#bus.log.follow(topic.address, options, (entry) => {
      const typed = this.#checkEntry(topic, entry);
      if (typed) onEntry(typed);
    });
  }

  /** The log's current position (see `EventLog.head`). */
  head(): Promise<{ seq: number; epoch: string }> {
    return this.#bus.log.head();
  }

  /** Drops every entry of the topic's log key. */
  purge(topic: Topic<"log">): Promise<void> {
    return this.#bus.log.purge(topic.address);
  }

  #checkEntry<S extends z.ZodType>(
    topic: Topic<"log", S>,
    entry: LogEntry,
  ): TypedLogEntry<z.output<S>> | null {
    const cached = this.#checked.get(entry);
    // Same schema, same entry object: the data was checked already (it is never mutated).
    if (cached?.schema === topic.schema) return cached.entry as TypedLogEntry<z.output<S>> | null;
    const data = this.#check(topic, entry.data);
    const typed =
      data === REJECTED
        ? null
        : { key: entry.key, seq: entry.seq, epoch: entry.epoch, time: entry.time, data };
    this.#checked.set(entry, { schema: topic.schema, entry: typed });
    return typed;
  }

  #check<S extends z.ZodType>(
    topic: Topic<TopicKind, S>,
    payload: unknown,
    jobId?: string,
  ): z.output<S> | typeof REJECTED {
    const parsed = topic.schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    this.#options.malformed.inc({ topic: topic.name });
    this.#options.logger.warn(
      {
        topic: topic.name,
        kind: topic.kind,
        address: topic.address,
        ...(jobId === undefined ? {} : { jobId }),
        // Paths and codes only: a message may quote the payload, which may hold secrets.
        issues: parsed.error.issues
          .slice(0, 5)
          .map((i) => ({ path: i.path.map(String).join("."), code: i.code })),
      },
      "dropped a malformed bus payload",
    );
    return REJECTED;
  }
}
