import type { ColumnType } from "kysely";
import type { JsonColumn } from "../../db/json.ts";

/** A boolean column: `boolean` on PostgreSQL, 0/1 on SQLite. Written as 0/1, read with `Boolean()`. */
export type BooleanColumn = ColumnType<boolean | number, number, number>;

/** A provider created through the API. Configured and detected providers are not stored. */
export interface ProvidersTable {
  id: string;
  name: string;
  /** `openai`, `anthropic` or `openai-compatible`. */
  type: string;
  base_url: string | null;
  /** base64(iv | tag | ciphertext) of the API key (see `platform/sealed-secret.ts`); null without one. */
  api_key_sealed: string | null;
  enabled: BooleanColumn;
  /** JSON array of model entries (names or declarations). */
  models: JsonColumn;
  created_at: number;
  updated_at: number;
}

/** An admin's overrides for one model of any provider; null columns keep the provider's value. */
export interface ModelSettingsTable {
  provider_id: string;
  /** The upstream model name. */
  model: string;
  /** JSON array of aliases. */
  aliases: ColumnType<unknown, string | null, string | null>;
  context_window: number | null;
  max_output_tokens: number | null;
  input_price_per_mtok: number | null;
  output_price_per_mtok: number | null;
  /** JSON array of model ids. */
  fallbacks: ColumnType<unknown, string | null, string | null>;
  enabled: ColumnType<boolean | number | null, number | null, number | null>;
  /** 1: reads images, 0: does not, null: as declared or guessed from its name. */
  image_input: ColumnType<boolean | number | null, number | null, number | null>;
  updated_at: number;
}

/** Kysely types of the providers module's tables. */
export interface ProvidersTables {
  providers: ProvidersTable;
  model_settings: ModelSettingsTable;
}
