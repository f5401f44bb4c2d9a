import type SqliteDriver from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/**
 * Kysely's SQLite dialect prepares every query anew; preparing costs more than running most of
 * Parley's short statements. This hands Kysely a database whose `prepare` reuses statements by
 * SQL text (least recently used beyond `max`). A statement still iterating (a streamed query) is
 * busy and cannot be shared, so a fresh one is prepared for that caller.
 * @example
 * const db = new Kysely({ dialect: new SqliteDialect({ database: cachedStatements(driver) }) });
 */
export function cachedStatements(driver: SqliteDriver.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SqliteDriver.Statement>();
  return {
    close: () => {
      cache.clear();
      driver.close();
    },
    prepare: (sql: string): SqliteStatement => {
      const hit = cache.get(sql);
      if (hit?.busy) return driver.prepare(sql);
      if (hit) {
        // Refresh its place in the recency order.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const statement = driver.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > max) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      return statement;
    },
  };
}
