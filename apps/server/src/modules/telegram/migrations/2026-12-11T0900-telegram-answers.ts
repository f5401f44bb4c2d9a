import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * The answer each update started (ADR 0034): a job delivered again after its worker died follows
 * that answer instead of sending the update's message into the conversation a second time.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("telegram_answers")
      .addColumn("bot_id", t.id, (c) => c.notNull().references("telegram_bots.id").onDelete("cascade"))
      .addColumn("update_id", "bigint", (c) => c.notNull())
      .addColumn("conversation_id", t.id, (c) => c.notNull())
      .addColumn("message_id", t.id, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("telegram_answers_pk", ["bot_id", "update_id"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("telegram_answers").execute();
  };
}
