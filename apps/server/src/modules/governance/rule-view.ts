import { RuleSpec, type GovernanceRule, type GovernanceRuleVersion } from "@parley/contracts";
import { fromJson } from "../../db/json.ts";
import { iso } from "../../kernel/ids.ts";
import type { RuleRow, RuleVersionRow } from "./governance.repository.ts";

/** A stored spec, parsed again (it was validated when saved). */
export function specOf(version: RuleVersionRow): RuleSpec {
  return RuleSpec.parse(fromJson(version.spec));
}

/** The API's view of a rule with its current version. */
export function toRule(row: RuleRow, current: RuleVersionRow): GovernanceRule {
  return {
    id: row.id,
    teamId: row.team_id,
    name: row.name,
    currentVersion: row.current_version,
    enabled: Boolean(row.enabled),
    spec: specOf(current),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toRuleVersion(row: RuleVersionRow): GovernanceRuleVersion {
  return {
    ruleId: row.rule_id,
    version: row.version,
    spec: specOf(row),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}
