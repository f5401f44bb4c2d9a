import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * An answer grounded in knowledge keeps its sources (`AnswerSource[]`, JSON): document, chunk,
 * span, snippet and the number it cites each by. Null: an answer given without.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("messages").addColumn("sources", t.json).execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("messages").dropColumn("sources").execute();
  };
}
