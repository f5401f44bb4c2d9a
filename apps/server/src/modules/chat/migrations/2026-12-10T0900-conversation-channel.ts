import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * A conversation is held in the web app and the API (`web`), or by a visitor through a published
 * assistant's channel (`widget`, `telegram`): which one (`channel_id`) and who (`channel_subject`,
 * the visitor's or Telegram chat's id). Channel conversations are listed per visitor only.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .alterTable("conversations")
      .addColumn("channel", "text", (c) => c.notNull().defaultTo("web"))
      .execute();
    await db.schema.alterTable("conversations").addColumn("channel_id", t.id).execute();
    await db.schema.alterTable("conversations").addColumn("channel_subject", "text").execute();
    // A visitor's conversations, newest first, without a scan of the channel's.
    await db.schema
      .createIndex("conversations_channel_subject_idx")
      .on("conversations")
      .columns(["channel_id", "channel_subject", "updated_at"])
      .where(sql.ref("channel_id"), "is not", null)
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropIndex("conversations_channel_subject_idx").execute();
    await db.schema.alterTable("conversations").dropColumn("channel_subject").execute();
    await db.schema.alterTable("conversations").dropColumn("channel_id").execute();
    await db.schema.alterTable("conversations").dropColumn("channel").execute();
  };
}
