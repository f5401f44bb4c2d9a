import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Thumbs up or down on answers: one rating per person and message (keyed by both), with an
 * optional comment; gone with the message or the account.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("message_feedback")
      .addColumn("message_id", t.id, (c) => c.notNull().references("messages.id").onDelete("cascade"))
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("rating", "text", (c) => c.notNull())
      .addColumn("comment", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("message_feedback_pk", ["message_id", "user_id"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("message_feedback").execute();
  };
}
