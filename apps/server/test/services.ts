import { randomBytes } from "node:crypto";

/**
 * Where the real services of this machine are. Tests never skip when one is missing: a missing
 * service fails the run, in CI as on a laptop.
 */
export const testServices = {
  postgresUrl: process.env.PARLEY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  natsUrl: process.env.PARLEY_TEST_NATS_URL ?? "nats://127.0.0.1:4222",
  redisUrl: process.env.PARLEY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
};

/** A short random token that isolates one test's keys, subjects, streams or database. */
export function uniqueId(prefix = "t"): string {
  return `${prefix}${randomBytes(5).toString("hex")}`;
}

/**
 * Removes what a test's Parley processes left on the shared servers under `namespace`: the
 * JetStream streams and the Redis keys.
 */
export async function cleanupNamespace(namespace: string): Promise<void> {
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const { connect } = await import("@nats-io/transport-node");
  const { Redis } = await import("ioredis");
  const nc = await connect({ servers: testServices.natsUrl });
  const jsm = await jetstreamManager(nc);
  for (const suffix of ["JOBS", "LOG"])
    await jsm.streams.delete(`${namespace.toUpperCase()}_${suffix}`).catch(() => false);
  await nc.close();
  const redis = new Redis(testServices.redisUrl);
  const keys = await redis.keys(`${namespace}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
