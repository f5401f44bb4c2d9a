import type { Subscription } from "../lifecycle.ts";
import type { BusStats, ConsumeOptions } from "./bus.port.ts";

/**
 * Receives what a bus adapter cannot hand back to a caller: a throwing subscriber, a job dropped
 * after its last attempt, a background clean-up that failed. Wire it to the logger.
 * @example
 * new MemoryBus({ onError: (error, context) => logger.error({ err: error, context }, "bus") });
 */
export type BusErrorHandler = (error: unknown, context: string) => void;

/** Settings both adapters share; every field has a default. */
export interface BusCommonOptions {
  /** How long log entries are kept. Default 24 hours. */
  logRetentionMs?: number;
  /** How many entries are kept per log key; older ones are dropped first. Default 50,000. */
  logMaxPerKey?: number;
  /** How long a job id is remembered to drop duplicate enqueues. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Delay before a job whose handler threw is delivered again. Default 100 ms doubling to 5 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Where errors nobody awaits are reported. Default: ignored. */
  onError?: BusErrorHandler;
}

/** The defaults of {@link BusCommonOptions}. */
export const busDefaults = {
  logRetentionMs: 24 * 60 * 60 * 1000,
  logMaxPerKey: 50_000,
  duplicateWindowMs: 2 * 60 * 1000,
  retryDelayMs: (attempt: number): number => Math.min(100 * 2 ** (attempt - 1), 5_000),
  onError: (): void => undefined,
} satisfies Required<BusCommonOptions>;

const tokenPattern = /^[A-Za-z0-9_-]+$/;

/**
 * Throws unless `value` is one subject token (`[A-Za-z0-9_-]+`): log keys, queue names, prefixes.
 * @example
 * assertToken("msg_01HX", "log key"); // ok
 * assertToken("a.b", "log key"); // throws
 */
export function assertToken(value: string, what: string): void {
  if (!tokenPattern.test(value)) {
    throw new Error(`invalid ${what} "${value}": expected one token of [A-Za-z0-9_-]`);
  }
}

/**
 * Throws unless `subject` is dot-separated tokens of `[A-Za-z0-9_-]` (no wildcards).
 * @example
 * assertSubject("generation.cancel"); // ok
 */
export function assertSubject(subject: string): void {
  if (!subject.split(".").every((token) => tokenPattern.test(token))) {
    throw new Error(`invalid subject "${subject}": expected dot-separated tokens of [A-Za-z0-9_-]`);
  }
}

/** Throws unless the options of a queue consumer are usable. */
export function assertConsumeOptions(options: ConsumeOptions): void {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new Error(`invalid concurrency ${options.concurrency}: expected an integer >= 1`);
  }
  if (!(options.ackWaitMs > 0)) throw new Error(`invalid ackWaitMs ${options.ackWaitMs}: expected > 0`);
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new Error(`invalid maxAttempts ${options.maxAttempts}: expected an integer >= 1`);
  }
}

/** JSON.stringify as it really behaves: undefined for `undefined` and functions. */
const stringify: (value: unknown) => string | undefined = JSON.stringify;

/**
 * Serialises a payload the way every adapter stores it, so both behave alike (`undefined` becomes
 * `null`, dates become strings). Throws on what JSON cannot hold (BigInt, cycles).
 */
export function encodePayload(payload: unknown): string {
  return stringify(payload) ?? "null";
}

/** Parses a payload written by {@link encodePayload}; each call returns a fresh copy. */
export function decodePayload(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** Mutable counters behind {@link BusStats}, shared by the parts of one adapter. */
export function newCounters(): Omit<BusStats, "activeSubscriptions"> {
  return { published: 0, delivered: 0, enqueued: 0, acked: 0, redelivered: 0, appended: 0 };
}

/**
 * Runs synchronous adapter code as a promise, so a throw becomes a rejection like in async code.
 * @example
 * publish(subject, payload) { return settle(() => this.#fanOut(subject, payload)); }
 */
export function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * The open subscriptions of one adapter: counted for stats and closed together on shutdown.
 */
export class SubscriptionSet {
  readonly #open = new Set<Subscription>();

  /** Tracks `close` until it is called; returns the subscription to hand to the caller. */
  track(close: () => Promise<void>): Subscription {
    let closing: Promise<void> | undefined;
    const subscription: Subscription = {
      close: () => {
        closing ??= (async () => {
          try {
            await close();
          } finally {
            this.#open.delete(subscription);
          }
        })();
        return closing;
      },
    };
    this.#open.add(subscription);
    return subscription;
  }

  /** How many are open. */
  get size(): number {
    return this.#open.size;
  }

  /** Closes every open subscription; resolves when all have finished, reporting failures. */
  async closeAll(onError: BusErrorHandler): Promise<void> {
    const results = await Promise.allSettled([...this.#open].map((s) => s.close()));
    for (const result of results) {
      if (result.status === "rejected") onError(result.reason, "closing a subscription");
    }
  }
}
