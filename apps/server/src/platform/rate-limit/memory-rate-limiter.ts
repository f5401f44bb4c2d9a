import { RateLimiterMemory } from "rate-limiter-flexible";
import type { RateDecision, RateLimiter, RateRule } from "./rate-limit.port.ts";
import { LibraryLimiters } from "./library-limiters.ts";

/**
 * The embedded rate limiter: counters in this process's memory (rate-limiter-flexible's
 * `RateLimiterMemory`, whose expiry timers are unref'd). Windows are whole seconds: rules under
 * 1000 ms are refused, fractions are rounded up (see `windowSeconds`). The library reads the system
 * clock itself, so this adapter takes no `Clock`.
 * @example
 * const limiter = new MemoryRateLimiter();
 * const decision = await limiter.consume(`ip:${ip}`, { points: 600, durationMs: 60_000 });
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly name = "rate-limit";
  readonly #limiters = new LibraryLimiters("ratelimit", (spec) => new RateLimiterMemory(spec));

  /** @inheritdoc */
  consume(key: string, rule: RateRule, cost?: number): Promise<RateDecision> {
    return this.#limiters.consume(key, rule, cost);
  }

  /** @inheritdoc */
  peek(key: string, rule: RateRule): Promise<{ consumed: number; resetMs: number }> {
    return this.#limiters.peek(key, rule);
  }

  /** @inheritdoc */
  reward(key: string, rule: RateRule, points?: number): Promise<void> {
    return this.#limiters.reward(key, rule, points);
  }

  reset(key: string, rule: RateRule): Promise<void> {
    return this.#limiters.reset(key, rule);
  }

  /** Always ready: memory needs no connection. */
  check(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release: the library's timers do not keep the process alive. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
