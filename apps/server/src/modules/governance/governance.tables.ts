import type { JsonColumn } from "../../db/json.ts";

/** A governance rule; its content lives in its versions. */
export interface GovernanceRulesTable {
  id: string;
  /** Null: organisation-wide. */
  team_id: string | null;
  /** The current version's name, for lists. */
  name: string;
  current_version: number;
  /** 1 or 0 on SQLite, a boolean on PostgreSQL: read with `Boolean()`. */
  enabled: number | boolean;
  /** Null once its creator's account is deleted. */
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** One immutable version of a rule: inserted, never updated. */
export interface GovernanceRuleVersionsTable {
  rule_id: string;
  version: number;
  /** A `RuleSpec`. */
  spec: JsonColumn;
  created_by: string | null;
  created_at: number;
}

/** What a rule did to an AI call: inserted, never updated. */
export interface GovernanceDecisionsTable {
  id: string;
  at: number;
  rule_id: string;
  rule_version: number;
  rule_name: string;
  team_id: string | null;
  project_id: string | null;
  assistant_id: string | null;
  tier: string;
  surface: string;
  action: string;
  actor_id: string | null;
  api_key_id: string | null;
  request_id: string | null;
  model: string | null;
  /** `DecisionMatch[]`: kinds and fingerprints, never text. */
  matches: JsonColumn;
  reason: string;
}

/** A call held for approval; `status` leaves `pending` once, by a conditional update. */
export interface GovernanceApprovalsTable {
  id: string;
  status: string;
  created_at: number;
  expires_at: number;
  rule_id: string;
  rule_version: number;
  rule_name: string;
  team_id: string | null;
  project_id: string | null;
  surface: string;
  model: string;
  requester_id: string | null;
  requester_email: string | null;
  api_key_id: string | null;
  request_id: string | null;
  reason: string;
  /** `DecisionMatch[]`. */
  matches: JsonColumn;
  preview: string;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
}

/** Kysely types of the governance module's tables. */
export interface GovernanceTables {
  governance_rules: GovernanceRulesTable;
  governance_rule_versions: GovernanceRuleVersionsTable;
  governance_decisions: GovernanceDecisionsTable;
  governance_approvals: GovernanceApprovalsTable;
}
