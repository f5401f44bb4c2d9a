import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDriver from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import lockfile from "proper-lockfile";
import * as sqliteVec from "sqlite-vec";
import type { Component } from "../lifecycle.ts";
import { withTimeout } from "../timeout.ts";
import { cachedStatements } from "./sqlite-statements.ts";

/** The SQL dialects Parley runs on. */
export type MigrationDialect = "sqlite" | "postgres";

/** A migration, written once for both dialects. Landed migrations are never edited. */
export interface DialectMigration {
  up(dialect: MigrationDialect): (db: Kysely<unknown>) => Promise<void>;
  down?(dialect: MigrationDialect): (db: Kysely<unknown>) => Promise<void>;
}

/** The installation's identity (one row, made on first start by the system module). */
export interface InstanceTable {
  slot: number;
  id: string;
  created_at: number;
}

/**
 * The tables every process may read through the port itself. A module's repositories see their
 * own tables (and those they read of the modules they need) with `database.db.withTables<T>()`:
 * no type lists every module's tables, so the platform depends on no module.
 */
export interface PlatformTables {
  instance: InstanceTable;
}

/** Connection pool counters for `/metrics`. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** The database port: a Kysely instance over SQLite (embedded) or PostgreSQL (distributed). */
export interface Database extends Component {
  readonly db: Kysely<PlatformTables>;
  readonly dialect: MigrationDialect;
  poolStats(): PoolStats;
  /**
   * Runs `fn` while no other connection of any process migrates this database. PostgreSQL's
   * migrator takes an advisory lock itself; SQLite needs a lock file beside the database.
   */
  exclusiveMigration<T>(fn: () => Promise<T>): Promise<T>;
}

/** Where the database is: a PostgreSQL URL, or else a SQLite file. */
export type DatabaseTarget =
  { dialect: "postgres"; url: string; poolSize: number } | { dialect: "sqlite"; file: string };

// BIGINT (int8) columns hold ms timestamps and counters well inside 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/**
 * Opens the database. Nothing is queried yet: the first query connects.
 * @example
 * const database = openDatabase({ dialect: "sqlite", file: "./data/parley.db" });
 */
export function openDatabase(target: DatabaseTarget): Database {
  return target.dialect === "postgres" ? openPostgres(target.url, target.poolSize) : openSqlite(target.file);
}

function openPostgres(url: string, poolSize: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: "parley",
  });
  // A client losing its connection (server restart, network cut) must not crash the process.
  // The pool handles idle clients' errors through its own 'error' event; a checked-out client
  // (between the statements of a transaction, say) emits 'error' on itself, which without a
  // listener is an uncaught exception. Its pending or next query fails instead, and the pool
  // drops it on release.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
  const db = new Kysely<PlatformTables>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    name: "database",
    dialect: "postgres",
    db,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    exclusiveMigration: (fn) => fn(),
    check: () =>
      withTimeout(sql`select 1`.execute(db), 2_000, "database did not answer within 2 s").then(
        () => undefined,
      ),
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/**
 * Creates the database file readable by its owner only, and tightens the files of an existing
 * one: SQLite creates `-wal` and `-shm` with the database file's permissions.
 */
function restrictSqliteFiles(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

function openSqlite(file: string): Database {
  restrictSqliteFiles(file);
  const driver = new SqliteDriver(file);
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes and
  // only risks the last transactions on power loss (see docs/adr/0002-query-layer.md).
  driver.pragma("journal_mode = WAL");
  driver.pragma("synchronous = NORMAL");
  driver.pragma("foreign_keys = ON");
  driver.pragma("busy_timeout = 5000");
  // sqlite-vec's functions (vec_distance_cosine…): knowledge bases rank passages by vector with them.
  sqliteVec.load(driver);
  const db = new Kysely<PlatformTables>({
    dialect: new SqliteDialect({ database: cachedStatements(driver) }),
  });
  let closed = false;
  return {
    name: "database",
    dialect: "sqlite",
    db,
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    exclusiveMigration: async (fn) => {
      const release = await lockfile.lock(file, {
        lockfilePath: `${file}.migrate.lock`,
        realpath: false,
        retries: { retries: 100, minTimeout: 20, maxTimeout: 200 },
        stale: 30_000,
      });
      try {
        return await fn();
      } finally {
        await release();
      }
    },
    check: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

/**
 * A module's typed view of the database: the tables `T` it owns (and those it reads of the
 * modules it needs). The same connection and transactions, no copy; only the type changes.
 * @example
 * const db = tablesOf<ChatTables>(platform.database.db);
 */
export function tablesOf<T>(db: Kysely<PlatformTables>): Kysely<T> {
  return db as unknown as Kysely<T>;
}
