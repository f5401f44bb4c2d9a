import type { Redis } from "ioredis";
import type { Cache, Registry, RegistryMember, RegistryStore } from "./registry.port.ts";
import {
  closeRedisClient,
  createRedisClient,
  DEFAULT_PING_TIMEOUT_MS,
  pingRedis,
  waitForRedis,
  type RedisClientOptions,
} from "./redis-client.ts";
import { byId, parseInfo, toJson, wholeTtlMs } from "./registry-values.ts";

/** Options of {@link RedisRegistryStore}'s constructor. */
export interface RedisRegistryStoreOptions {
  /** A client made by `createRedisClient`, possibly shared with the rate limiter. */
  client: Redis;
  /** Namespace of every key, for example `parley`; keys are `<prefix>:cache:<key>` and `<prefix>:registry:…`. */
  prefix: string;
  /** Whether `close()` quits `client`. Defaults to false: whoever created a shared client quits it. */
  ownsClient?: boolean;
  /** Bound of `check()`. Defaults to 2000 ms. */
  pingTimeoutMs?: number;
}

/** Options of {@link RedisRegistryStore.connect}. */
export interface RedisRegistryConnectOptions extends Omit<RedisClientOptions, "connectionName"> {
  prefix: string;
  /** How long to wait for the first connection before giving up. Defaults to 5000 ms. */
  readyTimeoutMs?: number;
}

// Expiry is judged by Redis's own clock (TIME), so pods with skewed clocks agree on who is alive.
// Numbers are formatted with %.0f because Lua would print large ones in scientific notation.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowText = string.format('%.0f', now)`;

// KEYS: members zset (score = expiresAt), infos hash. Removes the expired members from both.
const PRUNE = `local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', nowText)
for _, id in ipairs(expired) do redis.call('HDEL', KEYS[2], id) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowText) end`;

// ARGV: id, info JSON, ttlMs. Both keys live as long as their longest-lived member.
const REGISTER = `${NOW}
${PRUNE}
local expiresAt = string.format('%.0f', now + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[1], expiresAt, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
redis.call('PEXPIREAT', KEYS[2], last[2])
return expiresAt`;

// Returns a flat list: id, expiresAt, info JSON, id, ...
const LIST = `${NOW}
${PRUNE}
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. nowText, '+inf', 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  out[#out + 1] = live[i]
  out[#out + 1] = live[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], live[i]) or '{}'
end
return out`;

// KEYS: first, second. ARGV: value JSON, first's ttlMs, second's ttlMs. Returns how many it set.
const SET_IF_ABSENT_IN_TURN = `if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end
if not redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3], 'NX') then return 1 end
return 2`;

const DEREGISTER = `redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

/**
 * The distributed registry/cache on Redis, shared by all pods.
 *
 * Cache entries are plain strings `<prefix>:cache:<key>` holding JSON, with a `PX` TTL. Each registry
 * kind is a sorted set `<prefix>:registry:<kind>:members` scored by expiry (Redis time, ms) plus a
 * hash `<prefix>:registry:<kind>:info` of id → info JSON; Lua scripts keep the two in step, and
 * every `register` and `list` prunes the expired members.
 * @example
 * const store = await RedisRegistryStore.connect({ url: "redis://127.0.0.1:6379", prefix: "parley" });
 * await store.registry.register("pod", podId, { role: "api" }, 15_000);
 */
export class RedisRegistryStore implements RegistryStore {
  readonly name = "registry";
  readonly cache: Cache;
  readonly registry: Registry;
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #ownsClient: boolean;
  readonly #pingTimeoutMs: number;

  constructor(options: RedisRegistryStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix;
    this.#ownsClient = options.ownsClient ?? false;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.cache = {
      get: (key) => this.#get(key),
      set: (key, value, ttlMs) => this.#set(key, value, ttlMs),
      setIfAbsent: (key, value, ttlMs) => this.#setIfAbsent(key, value, ttlMs),
      setIfAbsentInTurn: (first, second, value) => this.#setIfAbsentInTurn(first, second, value),
      delete: async (key) => (await this.#client.del(this.#cacheKey(key))) > 0,
    };
    this.registry = {
      register: (kind, id, info, ttlMs) => this.#register(kind, id, info, ttlMs),
      deregister: async (kind, id) => {
        await this.#client.eval(DEREGISTER, 2, ...this.#registryKeys(kind), id);
      },
      list: (kind) => this.#list(kind),
    };
  }

  /**
   * Creates its own client (see `createRedisClient`), waits until it is ready and returns a store
   * that quits the client on `close()`.
   * @throws Error when Redis is not ready within `readyTimeoutMs`; the client is closed then.
   * @example
   * const store = await RedisRegistryStore.connect({ url: config.redisUrl, prefix: "parley" });
   */
  static async connect(options: RedisRegistryConnectOptions): Promise<RedisRegistryStore> {
    const client = createRedisClient({ ...options, connectionName: `${options.prefix}:registry` });
    try {
      await waitForRedis(client, options.readyTimeoutMs);
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return new RedisRegistryStore({ client, prefix: options.prefix, ownsClient: true });
  }

  /** PING, bounded by `pingTimeoutMs`; rejects while Redis is unreachable, resolves again once it is back. */
  check(): Promise<void> {
    return pingRedis(this.#client, this.#pingTimeoutMs);
  }

  /** Quits the client when this store owns it; otherwise nothing. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#ownsClient) await closeRedisClient(this.#client);
  }

  #cacheKey(key: string): string {
    return `${this.#prefix}:cache:${key}`;
  }

  #registryKeys(kind: string): [members: string, infos: string] {
    const base = `${this.#prefix}:registry:${kind}`;
    return [`${base}:members`, `${base}:info`];
  }

  async #get(key: string): Promise<unknown> {
    const json = await this.#client.get(this.#cacheKey(key));
    return json === null ? undefined : JSON.parse(json);
  }

  async #set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.#client.set(this.#cacheKey(key), toJson(value), "PX", wholeTtlMs(ttlMs));
  }

  async #setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    const reply = await this.#client.set(this.#cacheKey(key), toJson(value), "PX", wholeTtlMs(ttlMs), "NX");
    return reply === "OK";
  }

  async #setIfAbsentInTurn(
    first: { key: string; ttlMs: number },
    second: { key: string; ttlMs: number },
    value: unknown,
  ): Promise<0 | 1 | 2> {
    const reply = await this.#client.eval(
      SET_IF_ABSENT_IN_TURN,
      2,
      this.#cacheKey(first.key),
      this.#cacheKey(second.key),
      toJson(value),
      wholeTtlMs(first.ttlMs),
      wholeTtlMs(second.ttlMs),
    );
    if (reply !== 0 && reply !== 1 && reply !== 2)
      throw new TypeError("unexpected reply to setIfAbsentInTurn");
    return reply;
  }

  async #register(kind: string, id: string, info: Record<string, unknown>, ttlMs: number): Promise<void> {
    const args = [id, toJson(info), wholeTtlMs(ttlMs)] as const;
    await this.#client.eval(REGISTER, 2, ...this.#registryKeys(kind), ...args);
  }

  async #list(kind: string): Promise<RegistryMember[]> {
    const reply = await this.#client.eval(LIST, 2, ...this.#registryKeys(kind));
    if (!Array.isArray(reply)) throw new TypeError("unexpected reply to the registry list script");
    const members: RegistryMember[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const [id, expiresAt, info] = reply.slice(i, i + 3).map(String) as [string, string, string];
      members.push({ id, info: parseInfo(info), expiresAt: Number(expiresAt) });
    }
    return members.sort(byId);
  }
}
