import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * An accepted update keeps what Telegram sent until a worker has handled it (`done_at`), so an
 * embedded server that died with the update in its in-memory queue queues it again when it starts
 * (Telegram does not deliver again an update it got a 200 for). The hourly clean-up deletes by age:
 * both tables get an index on their time column.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    // Text, not jsonb: PostgreSQL's jsonb refuses `\u0000`, which an update's text may hold.
    await db.schema.alterTable("telegram_updates").addColumn("payload", "text").execute();
    await db.schema.alterTable("telegram_updates").addColumn("done_at", t.timestamp).execute();
    await db.schema
      .createIndex("telegram_updates_received_idx")
      .on("telegram_updates")
      .column("received_at")
      .execute();
    await db.schema
      .createIndex("telegram_answers_created_idx")
      .on("telegram_answers")
      .column("created_at")
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropIndex("telegram_answers_created_idx").execute();
    await db.schema.dropIndex("telegram_updates_received_idx").execute();
    await db.schema.alterTable("telegram_updates").dropColumn("done_at").execute();
    await db.schema.alterTable("telegram_updates").dropColumn("payload").execute();
  };
}
