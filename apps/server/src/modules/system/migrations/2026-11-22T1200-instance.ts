import type { Kysely } from "kysely";
import { type MigrationDialect, columnTypes } from "../../../db/migration-helpers.ts";

/** The installation's identity: one row, made on first start. */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("instance")
      // Always 1: the primary key makes concurrent first starts agree on one row.
      .addColumn("slot", "integer", (c) => c.primaryKey())
      .addColumn("id", t.id, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("instance").execute();
  };
}
