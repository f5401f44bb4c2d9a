import type { MigrationDialect } from "../platform/db/database.ts";

export type { DialectMigration, MigrationDialect } from "../platform/db/database.ts";

/**
 * Column types that differ between the dialects, so that one migration set serves both.
 * @example
 * const t = columnTypes("postgres"); db.schema.createTable("x").addColumn("data", t.json)
 */
export function columnTypes(dialect: MigrationDialect) {
  const pg = dialect === "postgres";
  return {
    /** Opaque string identifiers (UUIDv7 or prefixed ids). */
    id: "text",
    /** Milliseconds since the Unix epoch. */
    timestamp: "bigint",
    /** JSON documents: jsonb on PostgreSQL, text holding JSON on SQLite. */
    json: pg ? "jsonb" : "text",
    boolean: pg ? "boolean" : "integer",
    /** Binary data. */
    bytes: pg ? "bytea" : "blob",
  } as const satisfies Record<string, string>;
}
