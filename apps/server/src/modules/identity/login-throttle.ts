import type { RateLimiter, RateRule } from "../../platform/rate-limit/rate-limit.port.ts";

/** The limits of password sign-in (see docs/adr/0013-login-throttling.md). */
export interface LoginRules {
  /** Attempts on one account from one IP: the strict limit, which only that IP can exhaust. */
  pair: RateRule;
  /** Attempts from one IP, all accounts together. */
  ip: RateRule;
  /** Attempts on one account from IPs it has not signed in from lately: caps distributed guessing. */
  account: RateRule;
  /** How long a successful sign-in makes its IP known for the account (exempt from `account`). */
  known: RateRule;
}

/** Parley's sign-in limits. */
export const LOGIN_RULES: LoginRules = {
  pair: { points: 10, durationMs: 15 * 60 * 1000 },
  ip: { points: 50, durationMs: 15 * 60 * 1000 },
  account: { points: 100, durationMs: 60 * 60 * 1000 },
  known: { points: 1, durationMs: 14 * 24 * 60 * 60 * 1000 },
};

/** A reserved sign-in attempt, to hand back to `succeeded` when the password was right. */
export interface LoginAttempt {
  readonly allowed: true;
  /** Failures before this attempt, for the growing delay. */
  readonly priorFailures: number;
  readonly keys: { pair: string; ip: string; account: string; known: string };
  /** Whether the account-wide cap was charged (the IP was not known for the account). */
  readonly accountCharged: boolean;
}

/** A refused attempt: a limit is spent; the password must not be looked at. */
export interface LoginLocked {
  readonly allowed: false;
  readonly retryAfterMs: number;
}

/**
 * Counts password sign-ins consume-then-check: each attempt spends its points atomically (in memory
 * or in one Redis script) before the password is evaluated, so concurrent attempts cannot all read
 * "under the limit"; a right password gives its points back. Keys depend only on the email as
 * typed and the IP, never on whether the account exists.
 * @example
 * const attempt = await throttle.reserve(email, ip);
 * if (!attempt.allowed) throw locked(attempt.retryAfterMs);
 * if (passwordIsRight) await throttle.succeeded(attempt);
 */
export class LoginThrottle {
  readonly #limiter: RateLimiter;
  readonly #rules: LoginRules;

  constructor(limiter: RateLimiter, rules: LoginRules = LOGIN_RULES) {
    this.#limiter = limiter;
    this.#rules = rules;
  }

  /**
   * Spends one attempt of the (account, IP) pair and of the IP; then, unless the account signed in
   * from this IP lately, one of the account-wide cap. The cap is charged only when the pair and the
   * IP allow the attempt, so one IP that is already refused cannot drain it.
   */
  async reserve(email: string, ip: string | null): Promise<LoginAttempt | LoginLocked> {
    const account = email.toLowerCase();
    const client = ip ?? "unknown";
    const keys = {
      pair: `login:pair:${account}|${client}`,
      ip: `login:ip:${client}`,
      account: `login:acct:${account}`,
      known: `login:known:${account}|${client}`,
    };
    const [pair, byIp, known] = await Promise.all([
      this.#limiter.consume(keys.pair, this.#rules.pair),
      this.#limiter.consume(keys.ip, this.#rules.ip),
      this.#limiter.peek(keys.known, this.#rules.known),
    ]);
    if (!pair.allowed || !byIp.allowed)
      return { allowed: false, retryAfterMs: Math.max(pair.retryAfterMs, byIp.retryAfterMs) };
    const accountCharged = known.consumed === 0;
    if (accountCharged) {
      const byAccount = await this.#limiter.consume(keys.account, this.#rules.account);
      if (!byAccount.allowed) {
        // Not evaluated: the owner trying from a new IP while the cap is spent keeps their pair.
        await Promise.all([
          this.#limiter.reward(keys.pair, this.#rules.pair),
          this.#limiter.reward(keys.ip, this.#rules.ip),
        ]);
        return { allowed: false, retryAfterMs: byAccount.retryAfterMs };
      }
    }
    const spent = (d: { limit: number; remaining: number }) => d.limit - d.remaining - 1;
    const priorFailures = Math.max(spent(pair), Math.floor(spent(byIp) / 5));
    return { allowed: true, priorFailures, keys, accountCharged };
  }

  /**
   * The password was right: forgets the pair's failures, gives back the IP's and the account's
   * point (they count failures only), and remembers the IP as known for the account.
   */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    const { keys } = attempt;
    await Promise.all([
      this.#limiter.reset(keys.pair, this.#rules.pair),
      this.#limiter.reward(keys.ip, this.#rules.ip),
      attempt.accountCharged ? this.#limiter.reward(keys.account, this.#rules.account) : undefined,
      this.#limiter.consume(keys.known, this.#rules.known),
    ]);
  }
}
