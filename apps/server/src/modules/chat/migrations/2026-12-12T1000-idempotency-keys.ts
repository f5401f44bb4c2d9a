import type { Kysely } from "kysely";
import type { MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Idempotency keys of sends (`Idempotency-Key`): a user message keeps the key it was sent with,
 * unique in its conversation, and a conversation the key it was started with, unique per user. A
 * retried request finds what the first one stored (a second insert fails on the index), so a
 * client, a proxy or a redelivered job that sends again never asks twice.
 */
export function up(_dialect: MigrationDialect) {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("messages").addColumn("idempotency_key", "text").execute();
    await db.schema.alterTable("conversations").addColumn("idempotency_key", "text").execute();
    await db.schema
      .createIndex("messages_idempotency_idx")
      .on("messages")
      .columns(["conversation_id", "idempotency_key"])
      .unique()
      .execute();
    await db.schema
      .createIndex("conversations_idempotency_idx")
      .on("conversations")
      .columns(["user_id", "idempotency_key"])
      .unique()
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropIndex("conversations_idempotency_idx").execute();
    await db.schema.dropIndex("messages_idempotency_idx").execute();
    await db.schema.alterTable("conversations").dropColumn("idempotency_key").execute();
    await db.schema.alterTable("messages").dropColumn("idempotency_key").execute();
  };
}
