import type { Component, Subscription } from "../lifecycle.ts";

/**
 * Fire-and-forget fan-out: every live subscriber in every process receives each message
 * published after it subscribed. Used for signals (cancel a generation, presence), never as a
 * source of truth.
 */
export interface PubSub {
  /** Publishes `payload` (JSON-serialisable) on `subject` (dot-separated tokens of `[A-Za-z0-9_-]`). */
  publish(subject: string, payload: unknown): Promise<void>;
  /** Calls `handler` for every message on `subject` until the subscription is closed. */
  subscribe(subject: string, handler: (payload: unknown) => void): Promise<Subscription>;
}

/** A job handed to exactly one consumer of a queue. */
export interface Job {
  /** Idempotency key given at enqueue time; a second enqueue with the same id is dropped. */
  readonly id: string;
  readonly payload: unknown;
  /** 1 on first delivery, 2 on the first redelivery, ... */
  readonly attempt: number;
  /** Tells the queue the job is still being worked on, postponing redelivery by another ack wait. */
  extend(): Promise<void>;
}

/** Options of a queue consumer. */
export interface ConsumeOptions {
  /** How many jobs this consumer runs at once. */
  concurrency: number;
  /** How long a job may run without `extend()` before it is handed to another consumer. */
  ackWaitMs: number;
  /** Deliveries after which a failing job is dropped (and logged). */
  maxAttempts: number;
}

/**
 * At-least-once work queue: each job goes to one consumer among all processes consuming the
 * queue. A handler that resolves acknowledges the job; one that throws, or a process that dies,
 * gets it redelivered (to any consumer) until `maxAttempts`.
 */
export interface WorkQueue {
  enqueue(queue: string, job: { id: string; payload: unknown }): Promise<void>;
  consume(
    queue: string,
    handler: (job: Job) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Subscription>;
}

/** One entry of the durable log. */
export interface LogEntry {
  /** The log key it was appended under (for example an assistant message id). */
  readonly key: string;
  /** Position in the log: strictly increasing within one epoch, never reused. Not dense per key. */
  readonly seq: number;
  /** Identity of the log's current incarnation; changes when the log was recreated or lost. */
  readonly epoch: string;
  /** The appended payload. Followers of a key may be handed one shared object: never mutate it. */
  readonly data: unknown;
  /** Append time, ms since the Unix epoch. */
  readonly time: number;
}

/** Options of an append. */
export interface AppendOptions {
  /**
   * Makes retries safe: a second append with the same id (within the duplicate window) stores
   * nothing and answers the first entry's position.
   */
  dedupeId?: string;
}

/**
 * Durable, ordered, replayable log partitioned by key. Readers resume from any position, on any
 * process. Entries expire after the configured retention.
 */
export interface EventLog {
  /** Appends `data` under `key` and resolves once it is durable. */
  append(key: string, data: unknown, options?: AppendOptions): Promise<LogEntry>;
  /** The log's current epoch. */
  epoch(): Promise<string>;
  /**
   * The log's current position: the highest seq appended so far (0 when empty) and the epoch.
   * Following from it delivers only what is appended afterwards.
   */
  head(): Promise<{ seq: number; epoch: string }>;
  /** Retained entries of `key` with `seq > afterSeq`, oldest first, at most `limit`. */
  read(key: string, options: { afterSeq: number; limit?: number }): Promise<LogEntry[]>;
  /**
   * Delivers the retained entries of `key` with `seq > afterSeq`, then every new one, in order and
   * without gaps or duplicates, until the subscription is closed.
   */
  follow(
    key: string,
    options: { afterSeq: number },
    onEntry: (entry: LogEntry) => void,
  ): Promise<Subscription>;
  /** Drops every entry of `key`. */
  purge(key: string): Promise<void>;
}

/** Counters every bus adapter keeps, exported on `/metrics`. */
export interface BusStats {
  published: number;
  delivered: number;
  enqueued: number;
  acked: number;
  redelivered: number;
  appended: number;
  activeSubscriptions: number;
}

/** The bus port: pub/sub, work queue and durable log behind one connection. */
export interface Bus extends Component {
  readonly pubsub: PubSub;
  readonly queue: WorkQueue;
  readonly log: EventLog;
  stats(): BusStats;
}
