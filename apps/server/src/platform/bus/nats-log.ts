import { setTimeout as sleep } from "node:timers/promises";
import type { JetStreamClient, JetStreamManager, JsMsg, PubAck, StreamInfo } from "@nats-io/jetstream";
import type { Subscription } from "../lifecycle.ts";
import type { AppendOptions, EventLog, LogEntry } from "./bus.port.ts";
import type { BusErrorHandler, SubscriptionSet } from "./bus-common.ts";
import { assertToken, decodePayload, encodePayload } from "./bus-common.ts";
import { LogFanout } from "./nats-fanout.ts";
import { NatsFollower } from "./nats-follow.ts";
import type { NatsLayout } from "./nats-streams.ts";
import { epochOf, isNoStreamForSubject, isStreamNotFound, recreateGraceMs } from "./nats-streams.ts";

/** What {@link NatsEventLog} needs from the bus that owns it. */
export interface NatsEventLogDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  layout: NatsLayout;
  /** Creates or updates the log stream and returns its info. */
  ensureStream: () => Promise<StreamInfo>;
  onError: BusErrorHandler;
  counters: { appended: number };
  subscriptions: SubscriptionSet;
}

/** How long an appender trusts its cached epoch before asking the server again. */
const epochTrustMs = 2_000;
/** Page size of `read`. */
const readPage = 1_000;

/**
 * The distributed log: one JetStream stream (limits retention: `max_age`, `max_msgs_per_subject`),
 * one subject per key. `seq` is the stream sequence; the epoch names the stream's incarnation.
 * Every message body is `{"time": <ms>, "data": <payload>}`.
 */
export class NatsEventLog implements EventLog {
  readonly #deps: NatsEventLogDeps;
  #epoch: string;
  #epochCheckedAt: number;
  #lastAppendSeq = 0;
  #refreshing: Promise<string> | undefined;
  readonly #fanout: LogFanout;

  constructor(deps: NatsEventLogDeps, info: StreamInfo) {
    this.#deps = deps;
    this.#epoch = epochOf(info);
    this.#epochCheckedAt = Date.now();
    this.#fanout = new LogFanout({
      epoch: () => this.#refreshEpoch(),
      read: (key, afterSeq) => this.#replay(key, afterSeq),
      toEntry: (message, epoch) => this.#toEntry(message, epoch),
      keyOf: (subject) => subject.slice(subject.lastIndexOf(".") + 1),
      onError: deps.onError,
      startTail: async (toEntry, onEntry) => {
        const head = await this.head();
        return NatsFollower.start(
          {
            js: deps.js,
            stream: deps.layout.logStream,
            subject: deps.layout.logSubject(">"),
            key: ">",
            freshEpoch: () => this.#refreshEpoch(),
            toEntry,
            onEntry,
            onError: deps.onError,
          },
          head.epoch,
          head.seq,
        );
      },
    });
  }

  async append(key: string, data: unknown, options: AppendOptions = {}): Promise<LogEntry> {
    assertToken(key, "log key");
    const text = encodePayload(data);
    const time = Date.now();
    const ack = await this.#publish(
      this.#deps.layout.logSubject(key),
      `{"time":${time},"data":${text}}`,
      options.dedupeId,
    );
    this.#deps.counters.appended++;
    // A sequence that went backwards means the stream was recreated behind our back; so may an
    // old cached epoch. Either way ask the server rather than label entries with a dead epoch.
    const suspicious = ack.seq <= this.#lastAppendSeq || Date.now() - this.#epochCheckedAt > epochTrustMs;
    this.#lastAppendSeq = ack.seq;
    const epoch = suspicious ? await this.#refreshEpoch() : this.#epoch;
    return { key, seq: ack.seq, epoch, data: decodePayload(text), time };
  }

  async epoch(): Promise<string> {
    return await this.#refreshEpoch();
  }

  async head(): Promise<{ seq: number; epoch: string }> {
    const info = await this.#info();
    return { seq: info.state.last_seq, epoch: epochOf(info) };
  }

  async read(key: string, options: { afterSeq: number; limit?: number }): Promise<LogEntry[]> {
    assertToken(key, "log key");
    const limit = options.limit ?? Infinity;
    const info = await this.#info();
    if (limit <= 0 || info.state.last_seq <= options.afterSeq) return [];
    const epoch = epochOf(info);
    const consumer = await this.#deps.js.consumers.get(this.#deps.layout.logStream, {
      filter_subjects: this.#deps.layout.logSubject(key),
      opt_start_seq: options.afterSeq + 1,
      inactive_threshold: 60_000,
    });
    try {
      const available = (await consumer.info(true)).num_pending;
      const wanted = Math.min(limit, available);
      const entries: LogEntry[] = [];
      while (entries.length < wanted) {
        // Ask for exactly what is there, so each fetch ends by itself without waiting out `expires`.
        const batch = await consumer.fetch({
          max_messages: Math.min(readPage, wanted - entries.length),
          expires: 5_000,
        });
        const before = entries.length;
        let exhausted = false;
        for await (const message of batch) {
          entries.push(this.#toEntry(message, epoch));
          exhausted ||= message.info.pending === 0;
        }
        // Entries can expire between counting and fetching: stop at whatever the server has.
        if (exhausted || entries.length === before) break;
      }
      return entries;
    } finally {
      consumer.delete().catch((error: unknown) => {
        this.#deps.onError(error, `deleting the read consumer of "${key}"`);
      });
    }
  }

  async follow(
    key: string,
    options: { afterSeq: number },
    onEntry: (entry: LogEntry) => void,
  ): Promise<Subscription> {
    assertToken(key, "log key");
    const stop = await this.#fanout.follow(key, options.afterSeq, onEntry);
    return this.#deps.subscriptions.track(stop);
  }

  /**
   * The retained entries of `key` after `afterSeq`. Asks for the key's last entry first, so that a
   * key with nothing to replay (most new connections) costs one request instead of a consumer.
   */
  async #replay(key: string, afterSeq: number): Promise<LogEntry[]> {
    try {
      const last = await this.#deps.jsm.streams.getMessage(this.#deps.layout.logStream, {
        last_by_subj: this.#deps.layout.logSubject(key),
      });
      if (last === null || last.seq <= afterSeq) return [];
    } catch {
      // No answer to the shortcut (stream missing, NATS busy): the full read decides.
    }
    return this.read(key, { afterSeq });
  }

  /** Stops the shared tail; called by the bus as it closes, after every follower was stopped. */
  async close(): Promise<void> {
    await this.#fanout.close();
  }

  async purge(key: string): Promise<void> {
    assertToken(key, "log key");
    try {
      await this.#deps.jsm.streams.purge(this.#deps.layout.logStream, {
        filter: this.#deps.layout.logSubject(key),
      });
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
      // No stream, no entries: purged already.
    }
  }

  /**
   * Publishes; if no stream listens on the subject (NATS lost its storage, someone deleted the
   * stream), recreates it and publishes again. Only that failure is retried: after a timeout the
   * entry may have been stored, and a second publish would duplicate it.
   */
  async #publish(subject: string, body: string, msgID?: string): Promise<PubAck> {
    for (let attempt = 1; ; attempt++) {
      try {
        // With a msgID JetStream drops a repeat inside its duplicate window and answers the
        // first message's sequence.
        return await this.#deps.js.publish(subject, body, msgID ? { msgID } : undefined);
      } catch (error) {
        if (!isNoStreamForSubject(error) || attempt >= 5) throw error;
        await this.#refreshEpoch();
        await sleep(50 * (attempt - 1));
      }
    }
  }

  /** Current stream info, recreating a missing stream; updates the cached epoch. */
  async #info(): Promise<StreamInfo> {
    let info: StreamInfo;
    try {
      info = await this.#deps.jsm.streams.info(this.#deps.layout.logStream);
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
      await sleep(recreateGraceMs);
      info = await this.#deps.ensureStream();
    }
    this.#epoch = epochOf(info);
    this.#epochCheckedAt = Date.now();
    return info;
  }

  /** The epoch as the server sees it now; concurrent callers share one request. */
  #refreshEpoch(): Promise<string> {
    this.#refreshing ??= this.#info()
      .then(epochOf)
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  #toEntry(message: JsMsg, epoch: string): LogEntry {
    const body = decodePayload(message.string());
    const envelope =
      typeof body === "object" && body !== null ? (body as { time?: unknown; data?: unknown }) : {};
    const time = typeof envelope.time === "number" ? envelope.time : message.time.getTime();
    return {
      key: message.subject.slice(message.subject.lastIndexOf(".") + 1),
      seq: message.seq,
      epoch,
      data: envelope.data ?? null,
      time,
    };
  }
}
