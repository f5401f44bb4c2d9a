/** One metered AI call. */
export interface UsageRecordsTable {
  id: string;
  at: number;
  /** Where the call came from: gateway, chat, widget, telegram, mcp, guides, ops. */
  surface: string;
  /** chat or embedding. */
  operation: string;
  user_id: string | null;
  team_id: string | null;
  api_key_id: string | null;
  /** The assistant the call was made with, if any. */
  assistant_id: string | null;
  /** 1 when the answering model had a price, 0 when not (its cost is then 0, not free). */
  priced: number | null;
  model_id: string;
  provider_id: string;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  ttft_ms: number | null;
  duration_ms: number;
  /** success, failure, cancelled. */
  outcome: string;
  error_code: string | null;
  attempts: number;
  request_id: string | null;
}

/** Kysely types of the usage module's tables. */
export interface UsageTables {
  usage_records: UsageRecordsTable;
}
