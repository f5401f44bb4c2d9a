import type { Kysely } from "kysely";

/** Usage rows name the assistant a call was made with (no foreign key: usage outlives it). */
export function up() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("usage_records").addColumn("assistant_id", "text").execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("usage_records").dropColumn("assistant_id").execute();
  };
}
