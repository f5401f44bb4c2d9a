import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Providers created through the API (their API key sealed with AES-256-GCM) and the admins'
 * per-model overrides, which apply to models of any provider (configured, API or detected).
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  // US dollars per million tokens: fractional, so a float in both dialects.
  const price = dialect === "postgres" ? "double precision" : "real";
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("providers")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("base_url", "text")
      // base64(iv | tag | ciphertext); null when the provider needs no key.
      .addColumn("api_key_sealed", "text")
      .addColumn("enabled", t.boolean, (c) => c.notNull())
      .addColumn("models", t.json, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("model_settings")
      .addColumn("provider_id", t.id, (c) => c.notNull())
      .addColumn("model", "text", (c) => c.notNull())
      // Each column null = no override: the provider's declaration applies.
      .addColumn("aliases", t.json)
      .addColumn("context_window", "bigint")
      .addColumn("max_output_tokens", "bigint")
      .addColumn("input_price_per_mtok", price)
      .addColumn("output_price_per_mtok", price)
      .addColumn("fallbacks", t.json)
      .addColumn("enabled", t.boolean)
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("model_settings_pk", ["provider_id", "model"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("model_settings").execute();
    await db.schema.dropTable("providers").execute();
  };
}
