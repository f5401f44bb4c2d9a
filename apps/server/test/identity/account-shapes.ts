import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";

/** A harness on SQLite (embedded) or on PostgreSQL, NATS and Redis (distributed), and its teardown. */
export async function harnessOf(shape: "embedded" | "distributed"): Promise<{
  h: Harness;
  stop: () => Promise<void>;
}> {
  let database: TestPostgres | null = null;
  const namespace = uniqueId("acct");
  if (shape === "distributed") database = await createTestPostgres();
  const h = await startHarness(
    database
      ? {
          PARLEY_DATABASE_URL: database.url,
          PARLEY_NATS_URL: testServices.natsUrl,
          PARLEY_REDIS_URL: testServices.redisUrl,
          PARLEY_NAMESPACE: namespace,
          PARLEY_SECRET_KEY: "account-tests-secret-key-0123456789abcdef",
        }
      : {},
  );
  return {
    h,
    stop: async () => {
      await h.stop();
      if (database) {
        await database.drop();
        await cleanupNamespace(namespace);
      }
    },
  };
}

/** The error code of an answer's body. */
export const codeOf = (body: unknown) => (body as { error?: { code?: string } } | null)?.error?.code;
