import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from "kysely";
import type { Database, PlatformTables } from "../src/platform/db/database.ts";

/**
 * One PGlite connection as Kysely sees it. PGlite serves one query at a time, so the driver
 * hands its single connection to one user at a time (a transaction keeps it until it ends).
 */
class PgliteDriver implements Driver {
  readonly #pg: PGlite;
  #queue: Promise<void> = Promise.resolve();
  /** Hands the connection to the next in line; set while someone holds it. */
  #release: () => void = () => undefined;
  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  async init(): Promise<void> {
    await this.#pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release: () => void = () => undefined;
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return new PgliteConnection(this.#pg);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  releaseConnection(): Promise<void> {
    this.#release();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    await this.#pg.close();
  }
}

class PgliteConnection implements DatabaseConnection {
  readonly #pg: PGlite;
  constructor(pg: PGlite) {
    this.#pg = pg;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#pg.query<R>(compiled.sql, [...compiled.parameters]);
    return {
      rows: result.rows,
      ...(result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("PGlite test connections do not stream");
  }
}

/** A throwaway in-memory PostgreSQL (PGlite) with pgvector, behind the database port. */
export interface TestPglite {
  database: Database;
  close(): Promise<void>;
}

/**
 * Starts PGlite in memory with the pgvector extension available (not yet created: the migrations
 * create it), as a `Database` the migration runner and repositories take. It takes a few seconds.
 * @example
 * const { database, close } = await startPglite(); await applyMigrations(database, allMigrations());
 */
export async function startPglite(): Promise<TestPglite> {
  const pg = await PGlite.create({ extensions: { vector } });
  const dialect: Dialect = {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PgliteDriver(pg),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
  const db = new Kysely<PlatformTables>({ dialect });
  const database: Database = {
    name: "database",
    dialect: "postgres",
    db,
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    exclusiveMigration: (fn) => fn(),
    check: async () => {
      await db.selectNoFrom((eb) => eb.val(1).as("one")).execute();
    },
    close: () => db.destroy(),
  };
  return { database, close: () => db.destroy() };
}
