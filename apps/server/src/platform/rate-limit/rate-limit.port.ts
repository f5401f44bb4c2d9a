import type { Component } from "../lifecycle.ts";

/** A limit: `points` per window of `durationMs`. */
export interface RateRule {
  points: number;
  durationMs: number;
}

/** Outcome of one `consume`, enough to fill `RateLimit-*` and `Retry-After` headers. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Ms until the window resets. */
  resetMs: number;
  /** Ms to wait before retrying; 0 when allowed. */
  retryAfterMs: number;
}

/** Counts requests per key; shared across processes in distributed mode. */
export interface RateLimiter extends Component {
  /** Spends `cost` points of `key` under `rule`. */
  consume(key: string, rule: RateRule, cost?: number): Promise<RateDecision>;
  /**
   * Points of `key` spent in the current window of `rule`, without spending any (for counters
   * that only failures increment, such as failed logins).
   */
  peek(key: string, rule: RateRule): Promise<{ consumed: number; resetMs: number }>;
  /**
   * Gives back `points` (default 1) of `key` under `rule`, atomically, in the current window: for
   * a point reserved before an outcome was known (a sign-in attempt) that turned out not to count
   * (the password was right). Call it only after a `consume` of the same key in the same window:
   * on a key with nothing spent it would credit points to the next window.
   */
  reward(key: string, rule: RateRule, points?: number): Promise<void>;
  /** Forgets `key` under `rule` (for example after a successful login). */
  reset(key: string, rule: RateRule): Promise<void>;
}
