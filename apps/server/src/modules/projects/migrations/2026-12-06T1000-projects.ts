import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Projects: a team's software projects. A name is unique in its team ignoring case, a slug
 * unique in its team; deleting the team deletes its projects.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("projects")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("slug", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("repository_url", "text")
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addColumn("archived_at", t.timestamp)
      .execute();
    // lower() is the same function on both dialects; the index also serves the list by team.
    await sql`create unique index projects_team_name_idx on projects (team_id, lower(name))`.execute(db);
    await db.schema
      .createIndex("projects_team_slug_idx")
      .on("projects")
      .columns(["team_id", "slug"])
      .unique()
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("projects").execute();
  };
}
