import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/** One row per AI call: who, which model, tokens, cost, timings, outcome. */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("usage_records")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("at", t.timestamp, (c) => c.notNull())
      .addColumn("surface", "text", (c) => c.notNull())
      .addColumn("operation", "text", (c) => c.notNull())
      .addColumn("user_id", t.id)
      .addColumn("team_id", t.id)
      .addColumn("api_key_id", t.id)
      .addColumn("model_id", "text", (c) => c.notNull())
      .addColumn("provider_id", "text", (c) => c.notNull())
      .addColumn("input_tokens", "integer", (c) => c.notNull())
      .addColumn("output_tokens", "integer", (c) => c.notNull())
      // Millionths of a currency unit, so sums stay exact integers in both dialects.
      .addColumn("cost_micros", t.timestamp, (c) => c.notNull())
      .addColumn("ttft_ms", "integer")
      .addColumn("duration_ms", "integer", (c) => c.notNull())
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("error_code", "text")
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("request_id", "text")
      .execute();
    await db.schema.createIndex("usage_records_at_idx").on("usage_records").column("at").execute();
    await db.schema
      .createIndex("usage_records_user_idx")
      .on("usage_records")
      .columns(["user_id", "at"])
      .execute();
    await db.schema
      .createIndex("usage_records_team_idx")
      .on("usage_records")
      .columns(["team_id", "at"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("usage_records").execute();
  };
}
