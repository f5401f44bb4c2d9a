import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createTestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import * as setupClaim from "./migrations/2026-12-05T2240-setup-claim.ts";
import { systemClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database, type DatabaseTarget } from "../../platform/db/database.ts";
import { deriveSecrets } from "../../platform/secrets.ts";
import { AuditService } from "../audit/index.ts";
import { CredentialRepository } from "./credential.repository.ts";
import { systemContext } from "../../kernel/request-context.ts";
import { UserRepository } from "./user.repository.ts";
import { UserService } from "./user.service.ts";
import { allTables } from "../../../test/all-tables.ts";
import { tablesOf } from "../../platform/db/database.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function sqlite(): Promise<DatabaseTarget> {
  const dir = mkdtempSync(join(tmpdir(), "parley-users-"));
  return Promise.resolve({ dialect: "sqlite", file: join(dir, "parley.db") });
}

async function postgres(): Promise<DatabaseTarget> {
  const pgdb = await createTestPostgres();
  cleanups.push(() => pgdb.drop());
  return { dialect: "postgres", url: pgdb.url, poolSize: 8 };
}

/** A migrated database and a user service on it, as a fresh installation has. */
async function fresh(target: DatabaseTarget): Promise<{ database: Database; users: UserService }> {
  const database = openDatabase(target);
  cleanups.push(() => database.close());
  await migrateToLatest(database);
  const audit = new AuditService({
    database,
    secrets: deriveSecrets("user-service-test-secret-0123456789"),
    clock: systemClock,
  });
  const users = new UserService({
    users: new UserRepository(tablesOf(database.db)),
    credentials: new CredentialRepository(tablesOf(database.db)),
    audit,
    clock: systemClock,
  });
  return { database, users };
}

const accounts = async (database: Database) =>
  allTables(database).selectFrom("users").select(["email", "global_role"]).execute();

describe.each([
  ["sqlite", sqlite],
  ["postgres", postgres],
])("first admin on %s", (_dialect, target) => {
  it("creates exactly one admin when 20 setups race", async () => {
    const { database, users } = await fresh(await target());
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        users.createFirstAdmin(
          { email: `racer${i}@parley.test`, password: "a sturdy password" },
          systemContext,
        ),
      ),
    );
    const winners = outcomes.filter((o) => o !== null);
    expect(winners).toHaveLength(1);
    expect(await accounts(database)).toEqual([{ email: winners[0]?.email, global_role: "admin" }]);
    expect(await users.isSetUp()).toBe(true);
  });

  it("refuses setup once any account exists, however it was created", async () => {
    const { database, users } = await fresh(await target());
    expect(await users.isSetUp()).toBe(false);
    await users.create(
      { email: "cli@parley.test", name: "CLI", password: "a sturdy password", globalRole: "admin" },
      systemContext,
    );
    expect(await users.isSetUp()).toBe(true);
    expect(
      await users.createFirstAdmin(
        { email: "late@parley.test", password: "a sturdy password" },
        systemContext,
      ),
    ).toBeNull();
    // Admins can still be added the ordinary way after setup.
    await users.create(
      { email: "second@parley.test", name: "Second", password: "a sturdy password", globalRole: "admin" },
      systemContext,
    );
    expect((await accounts(database)).map((a) => a.email).sort()).toEqual([
      "cli@parley.test",
      "second@parley.test",
    ]);
  });

  it("marks an installation that had accounts before the migration as set up", async () => {
    const { database, users } = await fresh(await target());
    await users.create(
      { email: "old@parley.test", name: "Old", password: "a sturdy password", globalRole: "admin" },
      systemContext,
    );
    const db = database.db as unknown as Kysely<unknown>;
    await setupClaim.down()(db);
    await setupClaim.up(database.dialect)(db);
    expect(await users.isSetUp()).toBe(true);
    expect(
      await users.createFirstAdmin(
        { email: "late@parley.test", password: "a sturdy password" },
        systemContext,
      ),
    ).toBeNull();
  });
});
