import type { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { closeRedisClient, DEFAULT_PING_TIMEOUT_MS, pingRedis } from "../registry/redis-client.ts";
import type { RateDecision, RateLimiter, RateRule } from "./rate-limit.port.ts";
import { LibraryLimiters } from "./library-limiters.ts";

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** The shared client from `createRedisClient` (fails fast while Redis is down). */
  client: Redis;
  /** Namespace of every key; counters live at `<prefix>:ratelimit:<points>:<seconds>:<key>`. */
  prefix: string;
  /** Whether `close()` quits `client`. Defaults to false: whoever created a shared client quits it. */
  ownsClient?: boolean;
  /** Bound of `check()`. Defaults to 2000 ms. */
  pingTimeoutMs?: number;
}

/**
 * The distributed rate limiter: rate-limiter-flexible's `RateLimiterRedis` (atomic Lua increment),
 * so every pod spends from the same counters. Windows are whole seconds: rules under 1000 ms are
 * refused, fractions are rounded up (see `windowSeconds`).
 *
 * When Redis fails, `consume` and `reset` reject with a `RateLimitStoreError` (original error as
 * `cause`), never with a refusal: the caller decides whether to fail open or closed.
 * @example
 * const limiter = new RedisRateLimiter({ client: redis, prefix: "parley" });
 * const decision = await limiter.consume(`login:${email}`, { points: 5, durationMs: 15 * 60_000 });
 */
export class RedisRateLimiter implements RateLimiter {
  readonly name = "rate-limit";
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #pingTimeoutMs: number;
  readonly #limiters: LibraryLimiters;

  constructor(options: RedisRateLimiterOptions) {
    this.#client = options.client;
    this.#ownsClient = options.ownsClient ?? false;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.#limiters = new LibraryLimiters(
      `${options.prefix}:ratelimit`,
      // ioredis is the library's default Redis client: `useRedisPackage` is only for node-redis v4+.
      (spec) => new RateLimiterRedis({ ...spec, storeClient: this.#client, rejectIfRedisNotReady: true }),
    );
  }

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

  /** PING, bounded by `pingTimeoutMs`; rejects while Redis is unreachable. */
  check(): Promise<void> {
    return pingRedis(this.#client, this.#pingTimeoutMs);
  }

  /** Quits the client when this limiter owns it; otherwise nothing. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#ownsClient) await closeRedisClient(this.#client);
  }
}
