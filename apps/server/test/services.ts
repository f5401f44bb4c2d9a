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
