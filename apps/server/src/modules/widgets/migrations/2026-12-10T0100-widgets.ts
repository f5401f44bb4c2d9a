import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/** Widgets: a team's assistant published on websites, with its key, origins and limits. */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("widgets")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("assistant_id", t.id, (c) => c.notNull().references("assistants.id").onDelete("cascade"))
      // The publisher's account may go; the widget then answers `widget.publisher_unavailable`.
      .addColumn("publisher_id", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("public_key", "text", (c) => c.notNull().unique())
      .addColumn("key_version", "integer", (c) => c.notNull())
      .addColumn("secret_version", "integer", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("allowed_origins", t.json, (c) => c.notNull())
      .addColumn("greeting", "text", (c) => c.notNull())
      .addColumn("primary_color", "text", (c) => c.notNull())
      .addColumn("position", "text", (c) => c.notNull())
      .addColumn("mode", "text", (c) => c.notNull())
      .addColumn("limits", t.json, (c) => c.notNull())
      .addColumn("enabled", t.boolean, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("widgets_team_idx").on("widgets").columns(["team_id", "name"]).execute();
    await db.schema.createIndex("widgets_assistant_idx").on("widgets").column("assistant_id").execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("widgets").execute();
  };
}
