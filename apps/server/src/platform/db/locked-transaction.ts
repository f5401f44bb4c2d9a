import { sql, type Kysely } from "kysely";
import type { Database, PlatformTables } from "./database.ts";

/** A named lock: a class (one per use, apart from the single-key locks) and a key within it. */
export interface TransactionLock {
  /** A 32-bit number naming what is locked (a module's kind of scope). */
  space: number;
  /** The scope locked, such as `team:<id>`. */
  key: string;
}

/**
 * Runs `fn` in a transaction that is the only one holding `lock`, in every process: on
 * PostgreSQL a transaction-scoped advisory lock (two-key form: the space, a hash of the key),
 * released at commit or rollback; on SQLite `begin immediate` on the single connection (which
 * Kysely lends to one caller at a time), taking the file's write lock up front. Check-then-act
 * inside `fn` is then safe against the same code running concurrently for the same scope.
 * @example
 * await lockedTransaction(database, { space: 0x7072, key: `team:${teamId}` }, async (trx) => { ... });
 */
export async function lockedTransaction<T>(
  database: Pick<Database, "db" | "dialect">,
  lock: TransactionLock,
  fn: (trx: Kysely<PlatformTables>) => Promise<T>,
): Promise<T> {
  if (database.dialect === "postgres")
    return database.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(lock.space)}, hashtext(${lock.key}))`.execute(trx);
      return fn(trx);
    });
  return database.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
