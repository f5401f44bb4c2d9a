import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { runParley, type ParleyProcess } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { raceSetups } from "./setup-race.ts";

/**
 * Two fresh pods on one throwaway PostgreSQL database, sharing NATS and Redis under a namespace of
 * their own, as an operator would start them: the races of first-run setup and of sign-in.
 */
const namespace = uniqueId("pods");
let database: TestPostgres;
let pods: ParleyProcess[] = [];
let urls: string[] = [];

beforeAll(async () => {
  database = await createTestPostgres();
  const env = {
    PARLEY_DATABASE_URL: database.url,
    PARLEY_NATS_URL: testServices.natsUrl,
    PARLEY_REDIS_URL: testServices.redisUrl,
    PARLEY_NAMESPACE: namespace,
    PARLEY_SECRET_KEY: "two-pods-test-secret-key-0123456789abcdef",
    PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
    PARLEY_OLLAMA_DETECT: "false",
    PARLEY_DATA_DIR: mkdtempSync(join(tmpdir(), "parley-two-pods-")),
  };
  pods = [0, 1].map(() => runParley(["start", "--role", "api", "--port", "0", "--host", "127.0.0.1"], env));
  urls = await Promise.all(pods.map((p) => p.listening()));
}, 60_000);
afterAll(async () => {
  for (const p of pods) p.kill();
  await Promise.all(pods.map((p) => p.exited()));
  await database.drop();
  await cleanupNamespace(namespace);
});

describe("two pods on PostgreSQL and Redis", () => {
  it("create exactly one admin when 20 setups race across them", async () => {
    const outcomes = await raceSetups(urls);
    expect(outcomes.filter((o) => o.status === 201)).toHaveLength(1);
    expect(outcomes.filter((o) => o.status !== 201)).toEqual(
      Array(19).fill({ status: 409, code: "resource.conflict" }),
    );
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ global_role: string }>("select global_role from users");
      expect(rows).toEqual([{ global_role: "admin" }]);
    } finally {
      await client.end();
    }
  });

  it("evaluate at most 10 of 100 simultaneous wrong sign-ins to one account, whichever pod answers", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const res = await fetch(`${urls[i % 2] ?? ""}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "racer0@parley.test", password: `wrong guess ${i}` }),
        });
        const body = (await res.json()) as { error: { code: string } };
        return `${res.status} ${body.error.code}`;
      }),
    );
    expect(statuses.filter((s) => s === "401 auth.invalid_credentials")).toHaveLength(10);
    expect(statuses.filter((s) => s === "429 auth.locked")).toHaveLength(90);
  });
});
