import type { JsMsg } from "@nats-io/jetstream";
import type { LogEntry } from "./bus.port.ts";
import type { BusErrorHandler } from "./bus-common.ts";
import type { NatsFollower } from "./nats-follow.ts";

/** What {@link LogFanout} needs from the log that owns it. */
export interface LogFanoutDeps {
  /** Starts the shared tail: a follower of every key, after `afterSeq`, labelled with `epoch`. */
  startTail: (
    toEntry: (message: JsMsg, epoch: string) => LogEntry,
    onEntry: (entry: LogEntry) => void,
  ) => Promise<NatsFollower>;
  /** The log's current epoch (from the server). */
  epoch: () => Promise<string>;
  /** The retained entries of `key` after `afterSeq`, each labelled with the epoch it was read in. */
  read: (key: string, afterSeq: number) => Promise<LogEntry[]>;
  /** Decodes a message of the log stream. */
  toEntry: (message: JsMsg, epoch: string) => LogEntry;
  /** The key a message's subject names. */
  keyOf: (subject: string) => string;
  onError: BusErrorHandler;
}

/**
 * How long the tail stays open after its last follower left, so that a process whose streams come
 * and go (one conversation opened after another) does not create and delete a JetStream consumer
 * for each; meanwhile it skips every entry undecoded.
 */
const TAIL_LINGER_MS = 30_000;

/** One local reader of one key. */
class LocalFollower {
  #epoch: string;
  #lastSeq: number;
  #buffer: LogEntry[] | null = [];
  readonly #onEntry: (entry: LogEntry) => void;
  readonly #onError: BusErrorHandler;
  readonly #key: string;

  constructor(
    key: string,
    epoch: string,
    afterSeq: number,
    onEntry: (entry: LogEntry) => void,
    onError: BusErrorHandler,
  ) {
    this.#key = key;
    this.#epoch = epoch;
    this.#lastSeq = afterSeq;
    this.#onEntry = onEntry;
    this.#onError = onError;
  }

  /** An entry from the shared tail: held back while the replay runs, delivered after it. */
  live(entry: LogEntry): void {
    if (this.#buffer) this.#buffer.push(entry);
    else this.#deliver(entry);
  }

  /** Delivers the replayed entries, then what the tail brought meanwhile; from here on, live. */
  caughtUp(replayed: LogEntry[]): void {
    for (const entry of replayed) this.#deliver(entry);
    const buffered = this.#buffer ?? [];
    this.#buffer = null;
    for (const entry of buffered) this.#deliver(entry);
  }

  #deliver(entry: LogEntry): void {
    // A new epoch means the stream was recreated: positions of the old one mean nothing, and the
    // tail starts the new stream from its first entry.
    if (entry.epoch !== this.#epoch) {
      this.#epoch = entry.epoch;
      this.#lastSeq = 0;
    }
    // Replay and tail overlap: never deliver a seq twice, never go back.
    if (entry.seq <= this.#lastSeq) return;
    this.#lastSeq = entry.seq;
    try {
      this.#onEntry(entry);
    } catch (error) {
      this.#onError(error, `log follower of "${this.#key}" threw`);
    }
  }
}

/**
 * Every `follow` of one process shares one JetStream consumer (the tail, filtered on all log
 * subjects) instead of opening a consumer each: an SSE connection then costs a map entry rather
 * than a server-side consumer with its own pull requests, heartbeats and buffers, and an entry
 * read by many local connections is decoded once.
 *
 * A follower registers first (buffering what the tail brings), then replays the key's retained
 * entries after its position, then delivers the buffer and goes live, skipping any seq it has
 * already delivered. Nothing falls in between: everything the tail had passed before the follower
 * registered is at most the stream's end at replay time, which the replay covers. The tail keeps
 * the per-key consumer's recovery (see {@link NatsFollower}): a lost consumer is reopened after the
 * last seq; a recreated stream restarts from its beginning under the new epoch.
 *
 * The trade-off: a process receives every entry of the log while it has any follower, so each
 * api pod carries the whole stream of answers (cheap next to relaying them to clients).
 */
export class LogFanout {
  readonly #deps: LogFanoutDeps;
  readonly #followers = new Map<string, Set<LocalFollower>>();
  #count = 0;
  #tail: Promise<NatsFollower> | undefined;
  #linger: NodeJS.Timeout | undefined;

  constructor(deps: LogFanoutDeps) {
    this.#deps = deps;
  }

  /** Follows `key` after `afterSeq`; resolves with the function that stops it. */
  async follow(
    key: string,
    afterSeq: number,
    onEntry: (entry: LogEntry) => void,
  ): Promise<() => Promise<void>> {
    this.#keepTail();
    const epoch = await this.#deps.epoch();
    const follower = new LocalFollower(key, epoch, afterSeq, onEntry, this.#deps.onError);
    let set = this.#followers.get(key);
    if (!set) {
      set = new Set();
      this.#followers.set(key, set);
    }
    set.add(follower);
    this.#count += 1;
    const stop = (): Promise<void> => {
      const current = this.#followers.get(key);
      if (!current?.delete(follower)) return Promise.resolve();
      if (current.size === 0) this.#followers.delete(key);
      this.#count -= 1;
      if (this.#count === 0) this.#retireTailLater();
      return Promise.resolve();
    };
    try {
      await this.#ensureTail();
      let replayed = await this.#deps.read(key, afterSeq);
      // The stream was recreated since the caller's position was taken: start the key over.
      if (replayed[0] && replayed[0].epoch !== epoch) replayed = await this.#deps.read(key, 0);
      follower.caughtUp(replayed);
    } catch (error) {
      await stop();
      throw error;
    }
    return stop;
  }

  /** Closes the tail now (the bus is closing); later follows open a new one. */
  async close(): Promise<void> {
    this.#keepTail();
    await this.#closeTail();
  }

  #keepTail(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
  }

  #retireTailLater(): void {
    this.#keepTail();
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      if (this.#count > 0) return;
      this.#closeTail().catch((error: unknown) => {
        this.#deps.onError(error, "closing the idle log tail");
      });
    }, TAIL_LINGER_MS);
    this.#linger.unref();
  }

  async #closeTail(): Promise<void> {
    const tail = this.#tail;
    this.#tail = undefined;
    if (tail) await (await tail).close();
  }

  #ensureTail(): Promise<NatsFollower> {
    if (!this.#tail) {
      const tail = this.#deps.startTail(
        (message, epoch) =>
          // Entries nobody here follows are skipped undecoded.
          this.#followers.has(this.#deps.keyOf(message.subject))
            ? this.#deps.toEntry(message, epoch)
            : { key: "", seq: message.seq, epoch, data: null, time: 0 },
        (entry) => {
          const set = this.#followers.get(entry.key);
          if (set) for (const follower of set) follower.live(entry);
        },
      );
      this.#tail = tail;
      tail.catch(() => {
        if (this.#tail === tail) this.#tail = undefined;
      });
    }
    return this.#tail;
  }
}
