import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Prompt templates and personas of a team (one table, `kind`), their immutable versions, the
 * labels pointing at versions (one version, or two with weights for an A/B split), the requests to
 * change a protected label, and one row per AI call made with a persona version (for its stats).
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("prompts")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("slug", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("current_version", "integer", (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addUniqueConstraint("prompts_team_slug_uq", ["team_id", "slug"])
      .execute();
    await db.schema.createIndex("prompts_slug_idx").on("prompts").column("slug").execute();
    await db.schema
      .createTable("prompt_versions")
      .addColumn("prompt_id", t.id, (c) => c.notNull().references("prompts.id").onDelete("cascade"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("content", t.json, (c) => c.notNull())
      .addColumn("note", "text", (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("prompt_versions_pk", ["prompt_id", "version"])
      .execute();
    await db.schema
      .createTable("prompt_labels")
      .addColumn("prompt_id", t.id, (c) => c.notNull().references("prompts.id").onDelete("cascade"))
      .addColumn("label", "text", (c) => c.notNull())
      .addColumn("split", t.json, (c) => c.notNull())
      .addColumn("protected", t.boolean, (c) => c.notNull())
      .addColumn("updated_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("prompt_labels_pk", ["prompt_id", "label"])
      .execute();
    await db.schema
      .createTable("prompt_label_requests")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("prompt_id", t.id, (c) => c.notNull().references("prompts.id").onDelete("cascade"))
      .addColumn("team_id", t.id, (c) => c.notNull())
      .addColumn("label", "text", (c) => c.notNull())
      .addColumn("split", t.json)
      .addColumn("protected", t.boolean)
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("requested_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("requested_with_key", t.id)
      .addColumn("request_reason", "text", (c) => c.notNull())
      .addColumn("decided_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("decision_reason", "text")
      .addColumn("decided_at", t.timestamp)
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("prompt_label_requests_team_status_idx")
      .on("prompt_label_requests")
      .columns(["team_id", "status", "created_at"])
      .execute();
    await db.schema
      .createTable("prompt_calls")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("prompt_id", t.id, (c) => c.notNull().references("prompts.id").onDelete("cascade"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("label", "text")
      .addColumn("user_id", t.id)
      .addColumn("message_id", t.id)
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("error_code", "text")
      .addColumn("input_tokens", "integer", (c) => c.notNull())
      .addColumn("output_tokens", "integer", (c) => c.notNull())
      .addColumn("cost_micros", t.timestamp, (c) => c.notNull())
      .addColumn("thumbs_up", "integer", (c) => c.notNull())
      .addColumn("thumbs_down", "integer", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("prompt_calls_prompt_version_idx")
      .on("prompt_calls")
      .columns(["prompt_id", "version"])
      .execute();
    await db.schema.createIndex("prompt_calls_message_idx").on("prompt_calls").column("message_id").execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("prompt_calls").execute();
    await db.schema.dropTable("prompt_label_requests").execute();
    await db.schema.dropTable("prompt_labels").execute();
    await db.schema.dropTable("prompt_versions").execute();
    await db.schema.dropTable("prompts").execute();
  };
}
