import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * A conversation may be held with an assistant, whose instructions and settings then apply to
 * every answer. Deleting the assistant leaves its conversations, without it.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .alterTable("conversations")
      .addColumn("assistant_id", t.id, (c) => c.references("assistants.id").onDelete("set null"))
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("conversations").dropColumn("assistant_id").execute();
  };
}
