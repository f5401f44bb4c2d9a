import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Practices and their immutable versions. A practice belongs to a team, and optionally to one of
 * its projects; both deletions take it along. A version is keyed by (practice, number), so two
 * concurrent edits of the same version cannot both land.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("practices")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("project_id", t.id, (c) => c.references("projects.id").onDelete("cascade"))
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("current_version", "integer", (c) => c.notNull())
      .addColumn("enabled", t.boolean, (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    // Serves the per-team load of the AI stage and the lists, in order.
    await db.schema
      .createIndex("practices_team_position_idx")
      .on("practices")
      .columns(["team_id", "position", "created_at", "id"])
      .execute();
    await db.schema
      .createTable("practice_versions")
      .addColumn("practice_id", t.id, (c) => c.notNull().references("practices.id").onDelete("cascade"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("practice_versions_pk", ["practice_id", "version"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("practice_versions").execute();
    await db.schema.dropTable("practices").execute();
  };
}
