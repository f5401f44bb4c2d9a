import type { JsonColumn } from "../../db/json.ts";

/** A prompt template or persona of a team; its content lives in its versions. */
export interface PromptsTable {
  id: string;
  team_id: string;
  kind: string;
  slug: string;
  /** The current version's name and description, for lists. */
  name: string;
  description: string;
  current_version: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** One immutable version of a prompt: inserted, never updated. */
export interface PromptVersionsTable {
  prompt_id: string;
  version: number;
  name: string;
  description: string;
  /** A `PromptContent`. */
  content: JsonColumn;
  note: string;
  created_by: string | null;
  created_at: number;
}

/** A label of a prompt: the version(s) it points at. */
export interface PromptLabelsTable {
  prompt_id: string;
  label: string;
  /** `LabelTarget[]`: one version, or two with weights. */
  split: JsonColumn;
  /** 1 or 0 on SQLite, a boolean on PostgreSQL: read with `Boolean()`. */
  protected: number | boolean;
  updated_by: string | null;
  updated_at: number;
}

/** A requested change of a protected label. */
export interface PromptLabelRequestsTable {
  id: string;
  prompt_id: string;
  team_id: string;
  label: string;
  /** `LabelTarget[]` asked for; null: unchanged. */
  split: JsonColumn | null;
  protected: number | boolean | null;
  /** `pending`, `approved`, `denied`. */
  status: string;
  requested_by: string | null;
  requested_with_key: string | null;
  request_reason: string;
  decided_by: string | null;
  decision_reason: string | null;
  decided_at: number | null;
  created_at: number;
}

/** One AI call made with a persona version, as it settled. */
export interface PromptCallsTable {
  id: string;
  prompt_id: string;
  version: number;
  label: string | null;
  user_id: string | null;
  /** The chat answer it produced (its feedback counts here); null on the gateway. */
  message_id: string | null;
  outcome: string;
  error_code: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  /** The answer's thumbs, as the chat module last reported them. */
  thumbs_up: number;
  thumbs_down: number;
  created_at: number;
}

/** Kysely types of the prompts module's tables. */
export interface PromptsTables {
  prompts: PromptsTable;
  prompt_versions: PromptVersionsTable;
  prompt_labels: PromptLabelsTable;
  prompt_label_requests: PromptLabelRequestsTable;
  prompt_calls: PromptCallsTable;
}
