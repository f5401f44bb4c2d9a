import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Files attached to messages: uploaded first (unsent: no conversation or message yet), then
 * claimed by the send that carries them. Gone with their conversation or their uploader; their
 * bytes live in the blob store, removed by whoever removes the row.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("chat_attachments")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("conversation_id", t.id, (c) => c.references("conversations.id").onDelete("cascade"))
      // No foreign key: a send claims its files just before it stores the message.
      .addColumn("message_id", t.id)
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("media_type", "text", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("blob_key", "text", (c) => c.notNull())
      .addColumn("text", "text")
      .addColumn("truncated", "integer", (c) => c.notNull().defaultTo(0))
      // An edit's copy of the edited message's file (sharing its bytes), or null for an upload.
      .addColumn("copy_of", t.id)
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("chat_attachments_message_idx")
      .on("chat_attachments")
      .column("message_id")
      .execute();
    await db.schema
      .createIndex("chat_attachments_unsent_idx")
      .on("chat_attachments")
      .columns(["message_id", "created_at"])
      .execute();
    await db.schema
      .createIndex("chat_attachments_conversation_idx")
      .on("chat_attachments")
      .column("conversation_id")
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("chat_attachments").execute();
  };
}
