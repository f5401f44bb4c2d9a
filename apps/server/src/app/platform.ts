import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { deploymentMode, type Config } from "../config/config.ts";
import { FolderBlobStore } from "../platform/blob/folder-blob-store.ts";
import type { Bus } from "../platform/bus/bus.port.ts";
import { MemoryBus } from "../platform/bus/memory-bus.ts";
import { NatsBus } from "../platform/bus/nats-bus.ts";
import { systemClock } from "../platform/clock/clock.ts";
import { lockDataDir } from "../platform/data-dir-lock.ts";
import { deriveSecrets, loadMasterSecret } from "../platform/secrets.ts";
import { openDatabase } from "../platform/db/database.ts";
import type { Platform } from "../platform/platform.port.ts";
import { MemoryRateLimiter } from "../platform/rate-limit/memory-rate-limiter.ts";
import type { RateLimiter } from "../platform/rate-limit/rate-limit.port.ts";
import { RedisRateLimiter } from "../platform/rate-limit/redis-rate-limiter.ts";
import { MemoryRegistryStore } from "../platform/registry/memory-registry.ts";
import { closeRedisClient, createRedisClient, waitForRedis } from "../platform/registry/redis-client.ts";
import type { RegistryStore } from "../platform/registry/registry.port.ts";
import { RedisRegistryStore } from "../platform/registry/redis-registry.ts";

export type { Platform } from "../platform/platform.port.ts";

/** Options of {@link buildPlatform}. */
export interface PlatformOptions {
  /**
   * For a command-line tool that acts beside a running server (`parley admin create`): the
   * database and the data folder's secret and blobs are shared, the bus, registry and rate
   * limiter are the process's own, and the data folder is not locked.
   */
  tool?: boolean;
}

/**
 * Builds the adapters: each shared service whose URL is configured (PostgreSQL, NATS, Redis),
 * the embedded adapter otherwise. Embedded state lives in this process, so the data folder is
 * locked against a second process.
 */
export async function buildPlatform(
  config: Config,
  logger: Logger,
  options: PlatformOptions = {},
): Promise<Platform> {
  const tool = options.tool === true;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) {
      try {
        await closer();
      } catch (err) {
        logger.warn({ err }, "error while closing an adapter");
      }
    }
    closers.length = 0;
  };
  try {
    const ownsProcessState = !tool && (!config.databaseUrl || !config.natsUrl || !config.redisUrl);
    // A data folder Parley creates is its user's alone (an existing one keeps its mode).
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    if (ownsProcessState) {
      const release = await lockDataDir(config.dataDir);
      closers.push(release);
    }

    const secrets = deriveSecrets(loadMasterSecret(config.secretKey, config.dataDir));

    const database = openDatabase(
      config.databaseUrl
        ? { dialect: "postgres", url: config.databaseUrl, poolSize: tool ? 2 : config.dbPoolSize }
        : { dialect: "sqlite", file: join(config.dataDir, "parley.db") },
    );
    closers.push(() => database.close());

    const bus: Bus =
      config.natsUrl && !tool
        ? await NatsBus.connect({
            url: config.natsUrl,
            prefix: config.namespace,
            logRetentionMs: config.logRetentionMs,
            onError: (err, context) => {
              logger.warn({ err, context }, "bus error");
            },
          })
        : new MemoryBus({
            logRetentionMs: config.logRetentionMs,
            onError: (err, context) => {
              logger.warn({ err, context }, "bus error");
            },
          });
    closers.push(() => bus.close());

    let store: RegistryStore;
    let rateLimiter: RateLimiter;
    if (config.redisUrl && !tool) {
      const client = createRedisClient({
        url: config.redisUrl,
        onError: (err: Error) => {
          logger.debug({ err }, "redis connection error");
        },
      });
      closers.push(() => closeRedisClient(client));
      await waitForRedis(client);
      store = new RedisRegistryStore({ client, prefix: config.namespace });
      rateLimiter = new RedisRateLimiter({ client, prefix: config.namespace });
    } else {
      store = new MemoryRegistryStore();
      rateLimiter = new MemoryRateLimiter();
    }
    closers.push(
      () => store.close(),
      () => rateLimiter.close(),
    );

    const blobs = new FolderBlobStore({ root: join(config.dataDir, "blobs") });
    closers.push(() => blobs.close());

    return {
      mode: deploymentMode(config),
      soleDatabaseUser: !config.databaseUrl && !tool,
      database,
      bus,
      store,
      rateLimiter,
      blobs,
      clock: systemClock,
      secrets,
      components: () => [database, bus, store, rateLimiter, blobs],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
