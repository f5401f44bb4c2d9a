import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type RunningParley } from "../../src/app/parley.ts";
import { loadConfig } from "../../src/config/config.ts";
import { raceSetups } from "./setup-race.ts";
import { allTables } from "../all-tables.ts";

// The same race across two pods on PostgreSQL is in two-pods.test.ts.
let parley: RunningParley;
beforeAll(async () => {
  parley = await startParley(
    loadConfig({
      env: { PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000", PARLEY_OLLAMA_DETECT: "false" },
      flags: { port: 0, host: "127.0.0.1", dataDir: mkdtempSync(join(tmpdir(), "parley-setup-race-")) },
    }),
    { logger: pino({ level: "silent" }), webRoot: null },
  );
});
afterAll(async () => {
  await parley.stop();
});

describe("first-run setup on an embedded installation", () => {
  it("creates exactly one admin when 20 setups race", async () => {
    const outcomes = await raceSetups([parley.url]);
    expect(outcomes.filter((o) => o.status === 201)).toHaveLength(1);
    expect(outcomes.filter((o) => o.status !== 201)).toEqual(
      Array(19).fill({ status: 409, code: "resource.conflict" }),
    );
    const users = await allTables(parley.platform.database)
      .selectFrom("users")
      .select("global_role")
      .execute();
    expect(users).toEqual([{ global_role: "admin" }]);
    expect(await (await fetch(`${parley.url}/api/v1/setup`)).json()).toEqual({ needsAdmin: false });
  });
});
