import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/** Conversations and their messages. */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("conversations")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("model", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("conversations_user_idx")
      .on("conversations")
      .columns(["user_id", "updated_at"])
      .execute();
    await db.schema
      .createIndex("conversations_team_idx")
      .on("conversations")
      .columns(["team_id", "updated_at"])
      .execute();

    await db.schema
      .createTable("messages")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("conversation_id", t.id, (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      // Order within the conversation, assigned at insert.
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("content", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("model", "text")
      .addColumn("usage", t.json)
      .addColumn("finish_reason", "text")
      .addColumn("error_code", "text")
      .addColumn("error_message", "text")
      .addColumn("ttft_ms", "integer")
      .addColumn("duration_ms", "integer")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("completed_at", t.timestamp)
      .addUniqueConstraint("messages_position_uq", ["conversation_id", "position"])
      .execute();
    await db.schema
      .createIndex("messages_status_idx")
      .on("messages")
      .columns(["status", "created_at"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("messages").execute();
    await db.schema.dropTable("conversations").execute();
  };
}
