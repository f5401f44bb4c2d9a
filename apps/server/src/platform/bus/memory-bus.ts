import type { Subscription } from "../lifecycle.ts";
import type { Clock } from "../clock/clock.ts";
import { systemClock } from "../clock/clock.ts";
import type { Bus, BusStats, EventLog, PubSub, WorkQueue } from "./bus.port.ts";
import type { BusCommonOptions, BusErrorHandler } from "./bus-common.ts";
import {
  assertSubject,
  busDefaults,
  decodePayload,
  encodePayload,
  newCounters,
  settle,
  SubscriptionSet,
} from "./bus-common.ts";
import { MemoryEventLog } from "./memory-log.ts";
import { MemoryWorkQueue } from "./memory-queue.ts";

/** Options of {@link MemoryBus}; see {@link BusCommonOptions} for the shared ones. */
export interface MemoryBusOptions extends BusCommonOptions {
  /** Time source for log entries, retention and the duplicate window. Default: the wall clock. */
  clock?: Clock;
}

interface MemorySubscriber {
  closed: boolean;
  readonly deliver: (text: string) => void;
}

/** In-process fan-out: every subscriber gets its own copy, on a later microtask. */
class MemoryPubSub implements PubSub {
  readonly #subjects = new Map<string, Set<MemorySubscriber>>();
  readonly #counters: Pick<BusStats, "published" | "delivered">;
  readonly #subscriptions: SubscriptionSet;
  readonly #onError: BusErrorHandler;

  constructor(
    counters: Pick<BusStats, "published" | "delivered">,
    subscriptions: SubscriptionSet,
    onError: BusErrorHandler,
  ) {
    this.#counters = counters;
    this.#subscriptions = subscriptions;
    this.#onError = onError;
  }

  publish(subject: string, payload: unknown): Promise<void> {
    return settle(() => {
      assertSubject(subject);
      const text = encodePayload(payload);
      this.#counters.published++;
      for (const subscriber of this.#subjects.get(subject) ?? []) {
        queueMicrotask(() => {
          subscriber.deliver(text);
        });
      }
    });
  }

  subscribe(subject: string, handler: (payload: unknown) => void): Promise<Subscription> {
    return settle(() => {
      assertSubject(subject);
      const subscriber: MemorySubscriber = {
        closed: false,
        deliver: (text) => {
          if (subscriber.closed) return;
          this.#counters.delivered++;
          try {
            handler(decodePayload(text));
          } catch (error) {
            this.#onError(error, `subscriber of "${subject}" threw`);
          }
        },
      };
      const subscribers = this.#subjects.get(subject) ?? new Set<MemorySubscriber>();
      subscribers.add(subscriber);
      this.#subjects.set(subject, subscribers);
      return this.#subscriptions.track(() => {
        subscriber.closed = true;
        subscribers.delete(subscriber);
        if (subscribers.size === 0 && this.#subjects.get(subject) === subscribers)
          this.#subjects.delete(subject);
        return Promise.resolve();
      });
    });
  }
}

/**
 * The embedded bus: pub/sub, work queue and log inside one process, for `npm start` on a laptop
 * and for most tests. Payloads are copied through JSON on the way in and out, exactly as the
 * NATS adapter does, so no caller can mutate what another receives.
 * @example
 * const bus = new MemoryBus({ logRetentionMs: 3_600_000, onError: (err, ctx) => log.error({ err }, ctx) });
 * const entry = await bus.log.append("msg_1", { index: 0, text: "Hel" });
 */
export class MemoryBus implements Bus {
  readonly name = "bus";
  readonly pubsub: PubSub;
  readonly queue: WorkQueue;
  readonly log: EventLog;
  readonly #queue: MemoryWorkQueue;
  readonly #log: MemoryEventLog;
  readonly #counters = newCounters();
  readonly #subscriptions = new SubscriptionSet();
  readonly #onError: BusErrorHandler;
  #closing: Promise<void> | undefined;

  constructor(options: MemoryBusOptions = {}) {
    const clock = options.clock ?? systemClock;
    this.#onError = options.onError ?? busDefaults.onError;
    this.pubsub = new MemoryPubSub(this.#counters, this.#subscriptions, this.#onError);
    this.queue = this.#queue = new MemoryWorkQueue({
      duplicateWindowMs: options.duplicateWindowMs ?? busDefaults.duplicateWindowMs,
      retryDelayMs: options.retryDelayMs ?? busDefaults.retryDelayMs,
      clock,
      onError: this.#onError,
      counters: this.#counters,
      subscriptions: this.#subscriptions,
    });
    this.log = this.#log = new MemoryEventLog({
      retentionMs: options.logRetentionMs ?? busDefaults.logRetentionMs,
      maxPerKey: options.logMaxPerKey ?? busDefaults.logMaxPerKey,
      clock,
      onError: this.#onError,
      counters: this.#counters,
      subscriptions: this.#subscriptions,
    });
  }

  check(): Promise<void> {
    return this.#closing === undefined ? Promise.resolve() : Promise.reject(new Error("bus is closed"));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#subscriptions.closeAll(this.#onError);
      this.#queue.close();
      this.#log.close();
    })();
    return this.#closing;
  }

  stats(): BusStats {
    return { ...this.#counters, activeSubscriptions: this.#subscriptions.size };
  }
}
