import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startParley } from "../../src/app/parley.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createTestPostgres } from "../postgres.ts";
import { runParley, type ParleyProcess } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** 20 first-run setups at once, spread over `urls`; their statuses and error codes. */
async function raceSetups(urls: string[]): Promise<{ status: number; code?: string }[]> {
  return Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const res = await fetch(`${urls[i % urls.length]}/api/v1/setup/admin`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: `racer${i}@parley.test`, password: "the very first password" }),
      });
      const body = (await res.json()) as { error?: { code: string } };
      return body.error ? { status: res.status, code: body.error.code } : { status: res.status };
    }),
  );
}

function expectOneWinner(outcomes: { status: number; code?: string }[]): void {
  expect(outcomes.filter((o) => o.status === 201)).toHaveLength(1);
  expect(outcomes.filter((o) => o.status !== 201)).toEqual(
    Array(19).fill({ status: 409, code: "resource.conflict" }),
  );
}

describe("first-run setup under concurrency", () => {
  it("creates exactly one admin when 20 setups race on an embedded installation", async () => {
    const parley = await startParley(
      loadConfig({
        env: { PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000", PARLEY_OLLAMA_DETECT: "false" },
        flags: { port: 0, host: "127.0.0.1", dataDir: mkdtempSync(join(tmpdir(), "parley-setup-race-")) },
      }),
      { logger: pino({ level: "silent" }), webRoot: null },
    );
    cleanups.push(() => parley.stop());
    expectOneWinner(await raceSetups([parley.url]));
    const users = await parley.platform.database.db.selectFrom("users").select("global_role").execute();
    expect(users).toEqual([{ global_role: "admin" }]);
    expect(await (await fetch(`${parley.url}/api/v1/setup`)).json()).toEqual({ needsAdmin: false });
  });

  it("creates exactly one admin when 20 setups race across two pods on PostgreSQL", async () => {
    const database = await createTestPostgres();
    cleanups.push(() => database.drop());
    const namespace = uniqueId("setup");
    cleanups.push(() => cleanupNamespace(namespace));
    const env = {
      PARLEY_DATABASE_URL: database.url,
      PARLEY_NATS_URL: testServices.natsUrl,
      PARLEY_REDIS_URL: testServices.redisUrl,
      PARLEY_NAMESPACE: namespace,
      PARLEY_SECRET_KEY: "setup-race-test-secret-key-0123456789abcdef",
      PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
      PARLEY_OLLAMA_DETECT: "false",
      PARLEY_DATA_DIR: mkdtempSync(join(tmpdir(), "parley-setup-pods-")),
    };
    const pods: ParleyProcess[] = [0, 1].map(() =>
      runParley(["start", "--role", "api", "--port", "0", "--host", "127.0.0.1"], env),
    );
    cleanups.push(async () => {
      for (const p of pods) p.kill();
      await Promise.all(pods.map((p) => p.exited()));
    });
    const urls = await Promise.all(pods.map((p) => p.listening()));

    expectOneWinner(await raceSetups(urls));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ global_role: string }>("select global_role from users");
      expect(rows).toEqual([{ global_role: "admin" }]);
    } finally {
      await client.end();
    }
  }, 60_000);
});
