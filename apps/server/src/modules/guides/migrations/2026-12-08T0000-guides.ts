import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Guides, their tags and tasks, and teams' guide templates. Full-text search over a guide's
 * title, description and content: an FTS5 index kept by triggers on SQLite, a generated
 * `tsvector` column with a GIN index on PostgreSQL.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("guides")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("project_id", t.id, (c) => c.references("projects.id").onDelete("set null"))
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("content", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_set", "text")
      .addColumn("owner_id", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("tasks_done", "integer", (c) => c.notNull())
      .addColumn("tasks_total", "integer", (c) => c.notNull())
      .addColumn("template_id", t.id)
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addColumn("archived_at", t.timestamp)
      // SQLite: the guide's row in the full-text index (a rowid of its own: a table's implicit
      // rowid may change on VACUUM). Null on PostgreSQL.
      .addColumn("search_rowid", "integer")
      .execute();
    // Lists go by team, newest change first.
    await db.schema
      .createIndex("guides_team_updated_idx")
      .on("guides")
      .columns(["team_id", "updated_at", "id"])
      .execute();
    await db.schema.createIndex("guides_project_idx").on("guides").column("project_id").execute();

    await db.schema
      .createTable("guide_tags")
      .addColumn("guide_id", t.id, (c) => c.notNull().references("guides.id").onDelete("cascade"))
      .addColumn("tag", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("guide_tags_pk", ["guide_id", "tag"])
      .execute();
    await db.schema.createIndex("guide_tags_tag_idx").on("guide_tags").column("tag").execute();

    await db.schema
      .createTable("guide_tasks")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("guide_id", t.id, (c) => c.notNull().references("guides.id").onDelete("cascade"))
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("text", "text", (c) => c.notNull())
      .addColumn("depth", "integer", (c) => c.notNull())
      .addColumn("parent_id", t.id)
      .addColumn("section", "text", (c) => c.notNull())
      .addColumn("line", "integer", (c) => c.notNull())
      .addColumn("done", t.boolean, (c) => c.notNull())
      .addColumn("started_at", t.timestamp)
      .addColumn("completed_at", t.timestamp)
      .addColumn("completed_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("estimate_minutes", "integer")
      .addColumn("estimate_low", "integer")
      .addColumn("estimate_high", "integer")
      .execute();
    await db.schema
      .createIndex("guide_tasks_guide_idx")
      .on("guide_tasks")
      .columns(["guide_id", "position"])
      .unique()
      .execute();

    await db.schema
      .createTable("guide_templates")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("content", "text", (c) => c.notNull())
      .addColumn("variables", "text", (c) => c.notNull())
      .addColumn("tags", "text", (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await sql`create unique index guide_templates_team_name_idx on guide_templates (team_id, lower(name))`.execute(
      db,
    );

    if (dialect === "postgres") {
      await sql`alter table guides add column search tsvector generated always as (
        setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', description), 'B') ||
        setweight(to_tsvector('simple', content), 'C')) stored`.execute(db);
      await sql`create index guides_search_idx on guides using gin (search)`.execute(db);
    } else {
      await sql`create unique index guides_search_rowid_idx on guides (search_rowid)`.execute(db);
      await sql`create virtual table guides_fts using fts5(
        title, description, content, content='guides', content_rowid='search_rowid', tokenize='unicode61 remove_diacritics 2')`.execute(
        db,
      );
      await sql`create trigger guides_fts_insert after insert on guides begin
        insert into guides_fts(rowid, title, description, content)
          values (new.search_rowid, new.title, new.description, new.content);
      end`.execute(db);
      await sql`create trigger guides_fts_delete after delete on guides begin
        insert into guides_fts(guides_fts, rowid, title, description, content)
          values ('delete', old.search_rowid, old.title, old.description, old.content);
      end`.execute(db);
      await sql`create trigger guides_fts_update after update of title, description, content on guides begin
        insert into guides_fts(guides_fts, rowid, title, description, content)
          values ('delete', old.search_rowid, old.title, old.description, old.content);
        insert into guides_fts(rowid, title, description, content)
          values (new.search_rowid, new.title, new.description, new.content);
      end`.execute(db);
    }
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await sql`drop table if exists guides_fts`.execute(db);
    for (const table of ["guide_templates", "guide_tasks", "guide_tags", "guides"])
      await db.schema.dropTable(table).ifExists().execute();
  };
}
