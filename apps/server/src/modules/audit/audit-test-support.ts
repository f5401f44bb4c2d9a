import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "@parley/contracts";
import { createTestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { FolderBlobStore } from "../../platform/blob/folder-blob-store.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database, type DatabaseTarget } from "../../platform/db/database.ts";
import { deriveSecrets } from "../../platform/secrets.ts";
import { AuditService } from "./audit.service.ts";

/** The secrets every audit test signs with. */
export const testSecrets = deriveSecrets("test-secret-audit-0123456789");

/**
 * A fresh, migrated database with an audit service on a manual clock, keeping its checkpoints in
 * a blob folder of its own.
 */
export interface AuditHarness {
  database: Database;
  audit: AuditService;
  clock: ManualClock;
  blobs: FolderBlobStore;
  /** Another connection (pool) to the same database, as a second process would have. */
  connect: () => Promise<Database>;
}

/** Makes harnesses on one dialect and cleans up after them. */
export interface AuditHarnessFactory {
  create(): Promise<AuditHarness>;
  cleanup(): Promise<void>;
}

/** The two dialects every audit test runs on: a temporary SQLite file and a throwaway PostgreSQL database. */
export const auditDialects = [
  ["sqlite", () => harnessFactory(sqliteTarget)],
  ["postgres", () => harnessFactory(postgresTarget)],
] as const;

/** 2026-11-22T00:00:00Z: where test clocks start. */
export const T0 = Date.UTC(2026, 10, 22);

/**
 * An audit event with sensible defaults.
 * @example
 * await audit.record(buildAuditEvent({ action: "team.created", teamId: "t1" }));
 */
export function buildAuditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    action: "team.updated",
    outcome: "success",
    actor: { type: "user", id: "u_ada", email: "ada@example.com" },
    target: { type: "team", id: "t_core" },
    teamId: "t_core",
    requestId: "req-1",
    ip: "203.0.113.7",
    summary: { name: { from: "Core", to: "Core team" } },
    ...overrides,
  };
}

interface Cleanup {
  (): Promise<void>;
}

function harnessFactory(makeTarget: (cleanups: Cleanup[]) => Promise<DatabaseTarget>): AuditHarnessFactory {
  const cleanups: Cleanup[] = [];
  const connect = async (target: DatabaseTarget): Promise<Database> => {
    const database = openDatabase(target);
    cleanups.push(() => database.close());
    return Promise.resolve(database);
  };
  return {
    async create() {
      const target = await makeTarget(cleanups);
      const database = await connect(target);
      await migrateToLatest(database);
      const clock = new ManualClock(T0);
      const blobs = new FolderBlobStore({ root: temporaryFolder(cleanups) });
      const audit = new AuditService({ database, secrets: testSecrets, clock, checkpoints: blobs });
      return { database, audit, clock, blobs, connect: () => connect(target) };
    },
    async cleanup() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

function temporaryFolder(cleanups: Cleanup[]): string {
  const dir = mkdtempSync(join(tmpdir(), "parley-audit-"));
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  });
  return dir;
}

async function sqliteTarget(cleanups: Cleanup[]): Promise<DatabaseTarget> {
  return Promise.resolve({ dialect: "sqlite", file: join(temporaryFolder(cleanups), "parley.db") });
}

async function postgresTarget(cleanups: Cleanup[]): Promise<DatabaseTarget> {
  const pgdb = await createTestPostgres();
  cleanups.push(() => pgdb.drop());
  return { dialect: "postgres", url: pgdb.url, poolSize: 4 };
}
