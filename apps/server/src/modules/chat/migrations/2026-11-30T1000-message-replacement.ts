import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Regenerating an answer or editing a sent message replaces messages instead of deleting them:
 * `replaced_at` marks the ones no longer part of the conversation (kept for the record, left out
 * of the view and of the model's context).
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("messages").addColumn("replaced_at", t.timestamp).execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("messages").dropColumn("replaced_at").execute();
  };
}
