import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Telegram bots (ADR 0034): bots connected to team assistants with their sealed token, mode and
 * status; the updates accepted, unique per bot and `update_id` (a replay is dropped); each chat's
 * current conversation.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("telegram_bots")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("assistant_id", t.id, (c) => c.notNull().references("assistants.id").onDelete("cascade"))
      .addColumn("telegram_id", "bigint", (c) => c.notNull().unique())
      .addColumn("username", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_sealed", "text", (c) => c.notNull())
      .addColumn("mode", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_reason", "text")
      .addColumn("last_update_at", t.timestamp)
      .addColumn("poll_offset", "bigint", (c) => c.notNull().defaultTo(0))
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("telegram_bots_team_idx").on("telegram_bots").columns(["team_id"]).execute();
    await db.schema
      .createTable("telegram_updates")
      .addColumn("bot_id", t.id, (c) => c.notNull().references("telegram_bots.id").onDelete("cascade"))
      .addColumn("update_id", "bigint", (c) => c.notNull())
      .addColumn("received_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("telegram_updates_pk", ["bot_id", "update_id"])
      .execute();
    await db.schema
      .createTable("telegram_chats")
      .addColumn("bot_id", t.id, (c) => c.notNull().references("telegram_bots.id").onDelete("cascade"))
      .addColumn("chat_id", "text", (c) => c.notNull())
      .addColumn("conversation_id", t.id)
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("telegram_chats_pk", ["bot_id", "chat_id"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    for (const table of ["telegram_chats", "telegram_updates", "telegram_bots"])
      await db.schema.dropTable(table).execute();
  };
}
