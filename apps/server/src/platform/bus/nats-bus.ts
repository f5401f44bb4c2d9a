import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Subscription } from "../lifecycle.ts";
import { withTimeout } from "../timeout.ts";
import type { Bus, BusStats, EventLog, PubSub, WorkQueue } from "./bus.port.ts";
import type { BusCommonOptions, BusErrorHandler } from "./bus-common.ts";
import {
  assertSubject,
  assertToken,
  busDefaults,
  decodePayload,
  encodePayload,
  newCounters,
  settle,
  SubscriptionSet,
} from "./bus-common.ts";
import { NatsEventLog } from "./nats-log.ts";
import { NatsWorkQueue } from "./nats-queue.ts";
import type { NatsLayout, StreamSettings } from "./nats-streams.ts";
import { ensureStream, jobsStreamConfig, logStreamConfig, natsLayout } from "./nats-streams.ts";

/** Options of {@link NatsBus.connect}; see {@link BusCommonOptions} for the shared ones. */
export interface NatsBusOptions extends BusCommonOptions {
  /** One or more server URLs, for example `nats://127.0.0.1:4222`. */
  url: string | string[];
  /**
   * Namespace of every subject and stream (`[A-Za-z0-9_-]+`): `parley` in production, random in
   * tests. Streams are named from it upper-cased, so prefixes must differ in more than case.
   */
  prefix: string;
  /** How long an unconsumed job is kept. Default 7 days. */
  jobRetentionMs?: number;
  /** Stream replicas (1 for a single server, 3 for a cluster). Default 1. */
  replicas?: number;
  /** Connection name shown by the server's monitoring. Default `parley`. */
  connectionName?: string;
  /** Bound of {@link NatsBus.check}. Default 2,000 ms. */
  checkTimeoutMs?: number;
  /** Pause between reconnect attempts (the client retries forever). Default 1,000 ms. */
  reconnectTimeWaitMs?: number;
}

/** Core-NATS fan-out under `<prefix>.ps.<subject>`; not stored, like the port asks. */
class NatsPubSub implements PubSub {
  readonly #nc: NatsConnection;
  readonly #layout: NatsLayout;
  readonly #counters: Pick<BusStats, "published" | "delivered">;
  readonly #subscriptions: SubscriptionSet;
  readonly #onError: BusErrorHandler;

  constructor(
    nc: NatsConnection,
    layout: NatsLayout,
    counters: Pick<BusStats, "published" | "delivered">,
    subscriptions: SubscriptionSet,
    onError: BusErrorHandler,
  ) {
    this.#nc = nc;
    this.#layout = layout;
    this.#counters = counters;
    this.#subscriptions = subscriptions;
    this.#onError = onError;
  }

  publish(subject: string, payload: unknown): Promise<void> {
    return settle(() => {
      assertSubject(subject);
      this.#nc.publish(this.#layout.pubsubSubject(subject), encodePayload(payload));
      this.#counters.published++;
    });
  }

  async subscribe(subject: string, handler: (payload: unknown) => void): Promise<Subscription> {
    assertSubject(subject);
    let closed = false;
    const subscription = this.#nc.subscribe(this.#layout.pubsubSubject(subject), {
      callback: (error, message) => {
        if (closed) return;
        if (error !== null) {
          this.#onError(error, `subscription to "${subject}" failed`);
          return;
        }
        this.#counters.delivered++;
        try {
          handler(decodePayload(message.string()));
        } catch (handlerError) {
          this.#onError(handlerError, `subscriber of "${subject}" threw`);
        }
      },
    });
    try {
      // Resolve only once the server has registered the interest: "live" means live.
      await this.#nc.flush();
    } catch (error) {
      subscription.unsubscribe();
      throw error;
    }
    return this.#subscriptions.track(() => {
      closed = true;
      subscription.unsubscribe();
      return Promise.resolve();
    });
  }
}

/**
 * The distributed bus on NATS JetStream (2.9 or later): core NATS for pub/sub, a work-queue
 * stream `<PREFIX>_JOBS` for jobs and a limits stream `<PREFIX>_LOG` for the durable log, all on
 * one connection that reconnects forever.
 * @example
 * const bus = await NatsBus.connect({ url: "nats://127.0.0.1:4222", prefix: "parley", logRetentionMs: 3_600_000 });
 * await bus.queue.enqueue("generation", { id: messageId, payload: { messageId } });
 */
export class NatsBus implements Bus {
  readonly name = "bus";
  readonly pubsub: PubSub;
  readonly queue: WorkQueue;
  readonly log: EventLog;
  readonly #log: NatsEventLog;
  readonly #nc: NatsConnection;
  readonly #counters: ReturnType<typeof newCounters>;
  readonly #subscriptions: SubscriptionSet;
  readonly #onError: BusErrorHandler;
  readonly #checkTimeoutMs: number;
  #closing: Promise<void> | undefined;

  private constructor(parts: {
    nc: NatsConnection;
    options: NatsBusOptions;
    settings: StreamSettings;
    log: NatsEventLog;
    queue: NatsWorkQueue;
    onError: BusErrorHandler;
    counters: ReturnType<typeof newCounters>;
    subscriptions: SubscriptionSet;
  }) {
    this.#nc = parts.nc;
    this.#onError = parts.onError;
    this.#counters = parts.counters;
    this.#subscriptions = parts.subscriptions;
    this.#checkTimeoutMs = parts.options.checkTimeoutMs ?? 2_000;
    this.log = parts.log;
    this.#log = parts.log;
    this.queue = parts.queue;
    this.pubsub = new NatsPubSub(
      parts.nc,
      natsLayout(parts.settings.prefix),
      parts.counters,
      parts.subscriptions,
      parts.onError,
    );
  }

  /**
   * Connects, then creates or updates both streams. Rejects when the server is unreachable at
   * start; after that the connection reconnects forever and {@link NatsBus.check} reports outages.
   */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    assertToken(options.prefix, "bus prefix");
    const settings: StreamSettings = {
      prefix: options.prefix,
      replicas: options.replicas ?? 1,
      duplicateWindowMs: options.duplicateWindowMs ?? busDefaults.duplicateWindowMs,
      jobRetentionMs: options.jobRetentionMs ?? 7 * 24 * 60 * 60 * 1000,
      logRetentionMs: options.logRetentionMs ?? busDefaults.logRetentionMs,
      logMaxPerKey: options.logMaxPerKey ?? busDefaults.logMaxPerKey,
    };
    const nc = await connect({
      servers: options.url,
      name: options.connectionName ?? "parley",
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 1_000,
      // Notice a silently dead server within about half a minute rather than the default minutes.
      pingInterval: 10_000,
      maxPingOut: 3,
      // Otherwise every request (each log append, enqueue and ack wait) captures two stack traces
      // up front for errors that almost never happen: a measurable share of a worker's CPU.
      noAsyncTraces: true,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const js = jetstream(nc);
      const layout = natsLayout(options.prefix);
      const ensureJobs = () => ensureStream(jsm, jobsStreamConfig(settings));
      const ensureLog = () => ensureStream(jsm, logStreamConfig(settings));
      const [, logInfo] = await Promise.all([ensureJobs(), ensureLog()]);
      const onError = options.onError ?? busDefaults.onError;
      const counters = newCounters();
      const subscriptions = new SubscriptionSet();
      const log = new NatsEventLog(
        { js, jsm, layout, ensureStream: ensureLog, onError, counters, subscriptions },
        logInfo,
      );
      const queue = new NatsWorkQueue({
        js,
        jsm,
        layout,
        ensureStream: ensureJobs,
        retryDelayMs: options.retryDelayMs ?? busDefaults.retryDelayMs,
        onError,
        counters,
        subscriptions,
      });
      return new NatsBus({ nc, options, settings, log, queue, onError, counters, subscriptions });
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async check(): Promise<void> {
    await withTimeout(
      this.#nc.rtt(),
      this.#checkTimeoutMs,
      `NATS did not answer within ${this.#checkTimeoutMs} ms`,
    );
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#subscriptions.closeAll(this.#onError);
      await this.#log.close().catch((error: unknown) => {
        this.#onError(error, "closing the log tail");
      });
      if (this.#nc.isClosed()) return;
      try {
        await withTimeout(this.#nc.drain(), 5_000, "NATS drain did not finish within 5000 ms");
      } catch (error) {
        this.#onError(error, "draining the NATS connection");
        await this.#nc.close();
      }
    })();
    return this.#closing;
  }

  stats(): BusStats {
    return { ...this.#counters, activeSubscriptions: this.#subscriptions.size };
  }
}
