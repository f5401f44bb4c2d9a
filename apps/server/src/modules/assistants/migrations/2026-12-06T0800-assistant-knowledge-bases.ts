import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * The knowledge bases an assistant grounds its answers in. Deleting either side removes the
 * link: a deleted knowledge base is simply no longer attached.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("assistant_knowledge_bases")
      .addColumn("assistant_id", t.id, (c) => c.notNull().references("assistants.id").onDelete("cascade"))
      .addColumn("knowledge_base_id", t.id, (c) =>
        c.notNull().references("knowledge_bases.id").onDelete("cascade"),
      )
      // The order the editor listed them in.
      .addColumn("position", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("assistant_knowledge_bases_pk", ["assistant_id", "knowledge_base_id"])
      .execute();
    // Deleting a base finds its links without a scan.
    await db.schema
      .createIndex("assistant_knowledge_bases_base_idx")
      .on("assistant_knowledge_bases")
      .column("knowledge_base_id")
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("assistant_knowledge_bases").execute();
  };
}
