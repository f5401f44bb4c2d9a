import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateDecision, RateRule } from "./rate-limit.port.ts";
import { RateLimitStoreError } from "./rate-limit.errors.ts";

/** What a library limiter is built from: one rule, in the library's units. */
export interface LibraryLimiterSpec {
  points: number;
  /** Whole seconds, as rate-limiter-flexible counts. */
  duration: number;
  /** Namespace of this rule's counters, unique per rule. */
  keyPrefix: string;
}

/**
 * The window rate-limiter-flexible will use for `rule`, in whole seconds. The library counts in
 * seconds (and its Redis store floors to them), so a window under one second cannot be expressed and
 * is refused; a fraction of a second is rounded up, which only ever makes a limit stricter.
 * @throws RangeError for windows under 1000 ms or points that are not a positive integer.
 * @example
 * windowSeconds({ points: 10, durationMs: 1_500 }); // 2
 */
export function windowSeconds(rule: RateRule): number {
  if (!Number.isSafeInteger(rule.points) || rule.points < 1) {
    throw new RangeError(`rate rule points must be a positive integer, got ${rule.points}`);
  }
  if (!Number.isFinite(rule.durationMs) || rule.durationMs < 1_000) {
    throw new RangeError(`rate rule windows must last at least 1000 ms, got ${rule.durationMs}`);
  }
  return Math.ceil(rule.durationMs / 1_000);
}

/**
 * One rate-limiter-flexible limiter per rule, created on first use, and the translation of the
 * library's outcomes into {@link RateDecision}s. Shared by the memory and Redis adapters.
 *
 * The library keeps an "enhanced fixed window": the window starts at a key's first request, and
 * refused requests still count, so a client that keeps hammering stays refused until the window ends.
 */
export class LibraryLimiters {
  readonly #create: (spec: LibraryLimiterSpec) => RateLimiterAbstract;
  readonly #keyPrefix: string;
  readonly #byRule = new Map<string, RateLimiterAbstract>();

  /**
   * @param keyPrefix namespace of every counter; each rule adds `:<points>:<seconds>`.
   * @param create builds the library limiter of one rule.
   */
  constructor(keyPrefix: string, create: (spec: LibraryLimiterSpec) => RateLimiterAbstract) {
    this.#keyPrefix = keyPrefix;
    this.#create = create;
  }

  /**
   * Spends `cost` points of `key` under `rule`.
   * @throws RangeError for a bad rule or cost; RateLimitStoreError when the store fails.
   */
  async consume(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    if (!Number.isSafeInteger(cost) || cost < 1) {
      throw new RangeError(`rate limit cost must be a positive integer, got ${cost}`);
    }
    const windowMs = windowSeconds(rule) * 1_000;
    let res: RateLimiterRes;
    try {
      res = await this.#limiter(rule).consume(key, cost);
    } catch (outcome) {
      // The library rejects with a RateLimiterRes when the limit is reached, with an Error otherwise.
      if (outcome instanceof RateLimiterRes) {
        const retryAfterMs = Math.max(1, outcome.msBeforeNext);
        return { allowed: false, limit: rule.points, remaining: 0, resetMs: retryAfterMs, retryAfterMs };
      }
      throw new RateLimitStoreError(`rate limit store failed while consuming "${key}"`, { cause: outcome });
    }
    const resetMs = res.msBeforeNext > 0 ? res.msBeforeNext : windowMs;
    return { allowed: true, limit: rule.points, remaining: res.remainingPoints, resetMs, retryAfterMs: 0 };
  }

  /**
   * How many points of `key` are spent under `rule`, without spending any.
   * @throws RateLimitStoreError when the store fails.
   */
  async peek(key: string, rule: RateRule): Promise<{ consumed: number; resetMs: number }> {
    let res: RateLimiterRes | null;
    try {
      res = await this.#limiter(rule).get(key);
    } catch (error) {
      throw new RateLimitStoreError(`rate limit store failed while reading "${key}"`, { cause: error });
    }
    if (!res) return { consumed: 0, resetMs: 0 };
    return { consumed: res.consumedPoints, resetMs: Math.max(0, res.msBeforeNext) };
  }

  /**
   * Gives back `points` of `key` under `rule` (one atomic decrement in the library's store).
   * @throws RangeError for a bad rule or points; RateLimitStoreError when the store fails.
   */
  async reward(key: string, rule: RateRule, points = 1): Promise<void> {
    if (!Number.isSafeInteger(points) || points < 1) {
      throw new RangeError(`rate limit reward must be a positive integer, got ${points}`);
    }
    const limiter = this.#limiter(rule);
    try {
      await limiter.reward(key, points);
    } catch (error) {
      throw new RateLimitStoreError(`rate limit store failed while rewarding "${key}"`, { cause: error });
    }
  }

  /**
   * Forgets the count of `key` under `rule`.
   * @throws RateLimitStoreError when the store fails.
   */
  async reset(key: string, rule: RateRule): Promise<void> {
    try {
      await this.#limiter(rule).delete(key);
    } catch (error) {
      throw new RateLimitStoreError(`rate limit store failed while resetting "${key}"`, { cause: error });
    }
  }

  #limiter(rule: RateRule): RateLimiterAbstract {
    const duration = windowSeconds(rule);
    const id = `${rule.points}:${duration}`;
    let limiter = this.#byRule.get(id);
    if (!limiter) {
      limiter = this.#create({ points: rule.points, duration, keyPrefix: `${this.#keyPrefix}:${id}` });
      this.#byRule.set(id, limiter);
    }
    return limiter;
  }
}
