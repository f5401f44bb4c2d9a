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

/** Kysely types of the governance module's tables. */
export interface GovernanceTables {
  governance_rules: GovernanceRulesTable;
  governance_rule_versions: GovernanceRuleVersionsTable;
}
