import { Redis } from "ioredis";
import { withTimeout } from "../timeout.ts";

/** Settings of the shared Redis connection used by the registry/cache and the rate limiter. */
export interface RedisClientOptions {
  /** `redis://` or `rediss://` URL, credentials and database included. */
  url: string;
  /** Shown by `CLIENT LIST`, to tell Parley's connections apart. Defaults to `parley`. */
  connectionName?: string;
  /** Upper bound for any single command, so nothing hangs on a half-open socket. Defaults to 2000. */
  commandTimeoutMs?: number;
  /** Longest pause between two reconnect attempts. Defaults to 2000. */
  maxReconnectDelayMs?: number;
  /**
   * Receives connection errors (refused, reset, DNS...). Without a listener ioredis prints each one
   * to stderr; they also surface through `check()` and the failing commands, so a log line is enough.
   */
  onError?: (error: Error) => void;
}

/** How long `check()` waits for PING by default. */
export const DEFAULT_PING_TIMEOUT_MS = 2_000;

/**
 * Creates the Redis client shared by the Redis adapters, tuned to fail fast and heal by itself:
 * - it reconnects forever (bounded backoff), so the adapters recover when Redis is back;
 * - while disconnected, commands reject at once (`enableOfflineQueue: false`) instead of queueing;
 * - commands in flight when the connection drops reject rather than being replayed later, because a
 *   replayed INCR or SET after the caller gave up would count twice or resurrect a value;
 * - every command is bounded by `commandTimeoutMs`.
 *
 * The client starts connecting immediately; until it is ready, commands reject. Await
 * {@link waitForRedis} at boot when that matters.
 * @example
 * const redis = createRedisClient({ url: "redis://127.0.0.1:6379", onError: (e) => log.warn(e) });
 * await waitForRedis(redis);
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  const client = new Redis(options.url, {
    connectionName: options.connectionName ?? "parley",
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: 5_000,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    // 0: reject the commands of a dropped connection on the first reconnect attempt.
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, maxDelay),
  });
  const onError = options.onError ?? ignoreConnectionError;
  client.on("error", onError);
  return client;
}

// Connection errors are reported by check() and by the failing commands themselves.
function ignoreConnectionError(): void {}

/**
 * Resolves once `client` is ready to take commands; rejects after `timeoutMs` otherwise (the
 * client keeps trying to connect either way).
 * @example
 * await waitForRedis(redis, 5_000);
 */
export async function waitForRedis(client: Redis, timeoutMs = 5_000): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "end") throw new Error("redis client is closed");
  await new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(new Error(`redis was not ready within ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    client.once("ready", onReady);
  });
}

/**
 * Sends PING and resolves on the answer; rejects when Redis is unreachable or silent for
 * `timeoutMs`. Never hangs, so it fits `/readyz`.
 * @example
 * await pingRedis(redis); // throws when Redis is down
 */
export async function pingRedis(client: Redis, timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<void> {
  try {
    await withTimeout(
      client.ping(),
      timeoutMs,
      `redis did not answer PING within ${timeoutMs} ms (status ${client.status})`,
    );
  } catch (error) {
    throw new Error(`redis is unavailable (status ${client.status})`, { cause: error });
  }
}

/**
 * Closes `client` gracefully (QUIT) and waits (at most `timeoutMs`) until its socket is gone, so no
 * handle is left behind; drops the socket instead when it is not connected or QUIT does not go
 * through. Safe to call twice.
 */
export async function closeRedisClient(client: Redis, timeoutMs = 2_000): Promise<void> {
  const status = client.status;
  if (status === "end") return;
  // Between two reconnect attempts there is no socket: disconnect() just cancels the next attempt,
  // and ioredis never emits "end".
  const hasSocket = status === "ready" || status === "connect" || status === "connecting";
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<void>((resolve) => {
    client.once("end", resolve);
    timer = setTimeout(resolve, timeoutMs);
  });
  if (status === "ready") {
    try {
      await client.quit();
    } catch {
      // The connection died meanwhile (or QUIT timed out); dropping the socket is all that is left.
      client.disconnect();
    }
  } else {
    client.disconnect();
  }
  if (hasSocket) await gone;
  clearTimeout(timer);
}
