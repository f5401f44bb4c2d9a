import { setTimeout as sleep } from "node:timers/promises";
import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { LogEntry } from "./bus.port.ts";
import type { BusErrorHandler } from "./bus-common.ts";

/** What a {@link NatsFollower} needs from the log that starts it. */
export interface NatsFollowerDeps {
  js: JetStreamClient;
  stream: string;
  subject: string;
  key: string;
  /** The log's epoch read from the server now; rejects while the stream is missing. */
  freshEpoch: () => Promise<string>;
  toEntry: (message: JsMsg, epoch: string) => LogEntry;
  onEntry: (entry: LogEntry) => void;
  onError: BusErrorHandler;
}

interface Session {
  readonly consumer: Consumer;
  readonly messages: ConsumerMessages;
  readonly pumping: Promise<void>;
}

/** Notifications after which the server-side consumer may be gone or may have skipped ahead. */
const lossSignals = new Set(["reset", "consumer_deleted", "consumer_not_found", "stream_not_found"]);

/**
 * Follows one log key with an ordered pull consumer (filter = the key's subject, start = the
 * sequence after the last delivered entry), which replays and then delivers live entries from one
 * server-side cursor, so the hand-over has no gap and no duplicate.
 *
 * When the consumer is lost (NATS restart, stream deleted) the follower opens a new one after its
 * last delivered sequence. If the stream was recreated meanwhile (new epoch), it starts the key
 * from the beginning of the new stream and labels entries with the new epoch, which is how
 * readers learn that their positions no longer mean anything.
 */
export class NatsFollower {
  readonly #deps: NatsFollowerDeps;
  readonly #stop = new AbortController();
  #epoch: string;
  #lastSeq: number;
  #session: Session | undefined;
  #reopening: Promise<void> | undefined;

  private constructor(deps: NatsFollowerDeps, epoch: string, afterSeq: number) {
    this.#deps = deps;
    this.#epoch = epoch;
    this.#lastSeq = afterSeq;
  }

  /** Opens the consumer; resolves once replay has been requested. */
  static async start(deps: NatsFollowerDeps, epoch: string, afterSeq: number): Promise<NatsFollower> {
    const follower = new NatsFollower(deps, epoch, afterSeq);
    await follower.#open();
    return follower;
  }

  /** Stops delivery; resolves once `onEntry` will not be called again. */
  async close(): Promise<void> {
    this.#stop.abort();
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined) await this.#retire(session);
    await this.#reopening;
  }

  async #open(): Promise<void> {
    const consumer = await this.#deps.js.consumers.get(this.#deps.stream, {
      filter_subjects: this.#deps.subject,
      opt_start_seq: this.#lastSeq + 1,
    });
    const messages = await consumer.consume({ max_messages: 256, expires: 10_000 });
    const session: Session = { consumer, messages, pumping: this.#pump(messages) };
    if (this.#stop.signal.aborted) {
      await this.#retire(session);
      return;
    }
    this.#session = session;
    this.#watch(session).catch((error: unknown) => {
      this.#deps.onError(error, `log follower of "${this.#deps.key}" stopped watching its consumer`);
    });
  }

  async #pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        if (this.#session?.messages === messages) this.#deliver(message);
      }
    } catch (error) {
      const session = this.#session;
      if (session?.messages === messages) this.#lost(session, error);
    }
  }

  async #watch(session: Session): Promise<void> {
    for await (const notification of session.messages.status()) {
      if (lossSignals.has(notification.type)) {
        this.#lost(session, undefined);
        return;
      }
    }
  }

  #deliver(message: JsMsg): void {
    // Belt and braces: whatever the consumer does after a reset, never deliver a seq twice.
    if (message.seq <= this.#lastSeq) return;
    this.#lastSeq = message.seq;
    try {
      this.#deps.onEntry(this.#deps.toEntry(message, this.#epoch));
    } catch (error) {
      this.#deps.onError(error, `log follower of "${this.#deps.key}" threw`);
    }
  }

  #lost(session: Session, error: unknown): void {
    if (this.#session !== session || this.#stop.signal.aborted) return;
    this.#session = undefined;
    if (error !== undefined)
      this.#deps.onError(error, `log follower of "${this.#deps.key}" lost its consumer`);
    void this.#retire(session);
    this.#reopening = this.#reopen();
  }

  async #reopen(): Promise<void> {
    let delay = 250;
    let reported = false;
    while (!this.#stop.signal.aborted) {
      try {
        const epoch = await this.#deps.freshEpoch();
        if (epoch !== this.#epoch) {
          this.#epoch = epoch;
          this.#lastSeq = 0;
        }
        await this.#open();
        return;
      } catch (error) {
        // NATS may be unreachable for a while; keep trying until closed.
        if (!reported) this.#deps.onError(error, `log follower of "${this.#deps.key}" cannot reopen yet`);
        reported = true;
        try {
          await sleep(delay, undefined, { signal: this.#stop.signal });
        } catch {
          return;
        }
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  async #retire(session: Session): Promise<void> {
    session.messages.stop();
    await session.pumping;
    session.consumer.delete().catch(() => {
      // Already gone with its stream, or unreachable: the server drops an ordered consumer after
      // its inactivity threshold anyway, so there is nothing to report.
    });
  }
}
