import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/** Assistants: instructions, model and settings a team (or one person) answers with. */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("assistants")
      .addColumn("id", t.id, (c) => c.primaryKey())
      // Its model id on the OpenAI-compatible API is `assistant/<slug>`: unique everywhere.
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("owner_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("visibility", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("icon", "text")
      .addColumn("instructions", "text", (c) => c.notNull())
      .addColumn("model", "text")
      .addColumn("temperature", "real")
      .addColumn("max_output_tokens", "integer")
      .addColumn("starter_prompts", t.json, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("assistants_team_idx")
      .on("assistants")
      .columns(["team_id", "name"])
      .execute();
    await db.schema
      .createIndex("assistants_owner_idx")
      .on("assistants")
      .columns(["owner_id", "name"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("assistants").execute();
  };
}
