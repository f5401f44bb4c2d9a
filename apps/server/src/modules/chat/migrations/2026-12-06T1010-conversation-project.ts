import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * A conversation may belong to a project of its team. Deleting the project leaves its
 * conversations, in no project.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .alterTable("conversations")
      .addColumn("project_id", t.id, (c) => c.references("projects.id").onDelete("set null"))
      .execute();
    // Listing a project's conversations, and setting them to null when it is deleted, without a scan.
    await db.schema
      .createIndex("conversations_project_idx")
      .on("conversations")
      .column("project_id")
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropIndex("conversations_project_idx").execute();
    await db.schema.alterTable("conversations").dropColumn("project_id").execute();
  };
}
