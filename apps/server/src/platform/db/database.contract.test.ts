import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestPostgres, type TestPostgres } from "../../../test/postgres.ts";
import { allMigrations, migrateToLatest, migrationStatus } from "../../app/migrations.ts";
import { openDatabase, type Database, type DatabaseTarget } from "./database.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function sqliteTarget(): Promise<DatabaseTarget> {
  const dir = mkdtempSync(join(tmpdir(), "parley-db-"));
  return Promise.resolve({ dialect: "sqlite", file: join(dir, "parley.db") });
}

async function postgresTarget(): Promise<DatabaseTarget> {
  const pgdb: TestPostgres = await createTestPostgres();
  cleanups.push(() => pgdb.drop());
  return { dialect: "postgres", url: pgdb.url, poolSize: 4 };
}

function open(target: DatabaseTarget): Database {
  const database = openDatabase(target);
  cleanups.push(() => database.close());
  return database;
}

describe.each([
  ["sqlite", sqliteTarget],
  ["postgres", postgresTarget],
])("database port on %s", (dialect, makeTarget) => {
  it("applies every migration once and reports them as executed", async () => {
    const database = open(await makeTarget());
    expect(database.dialect).toBe(dialect);
    const applied = await migrateToLatest(database);
    expect(applied).toEqual(Object.keys(allMigrations()).sort());
    expect(await migrateToLatest(database)).toEqual([]);
    const status = await migrationStatus(database);
    expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
  });

  it("reads ms timestamps back as numbers", async () => {
    const database = open(await makeTarget());
    await migrateToLatest(database);
    const now = Date.now();
    await database.db.insertInto("instance").values({ slot: 1, id: "i1", created_at: now }).execute();
    const row = await database.db.selectFrom("instance").selectAll().executeTakeFirstOrThrow();
    expect(row).toEqual({ slot: 1, id: "i1", created_at: now });
  });

  it("answers check() while the database is reachable", async () => {
    const database = open(await makeTarget());
    await expect(database.check()).resolves.toBeUndefined();
  });

  it("runs each migration exactly once when several processes migrate at the same time", async () => {
    const target = await makeTarget();
    // SQLite in embedded mode has one process (the data folder is locked); three connections
    // on one file still must not double-apply.
    const databases = [open(target), open(target), open(target)];
    const results = await Promise.all(databases.map((d) => migrateToLatest(d)));
    expect(results.flat().sort()).toEqual(Object.keys(allMigrations()).sort());
  });
});

describe("database port on postgres when the server is unreachable", () => {
  it("rejects check() instead of hanging", async () => {
    const database = open({ dialect: "postgres", url: "postgres://postgres@127.0.0.1:1/none", poolSize: 1 });
    await expect(database.check()).rejects.toThrow();
  });
});
