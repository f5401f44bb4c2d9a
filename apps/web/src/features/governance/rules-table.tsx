import type { GovernanceRule } from "@parley/contracts";
import { useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { useMe } from "../auth/use-me.ts";
import { mayManageRules } from "./governance-access.ts";
import { DeleteRuleButton, EnabledSwitch, RuleWhere } from "./rule-controls.tsx";
import { ACTION_LABELS, scopeSummary, TIER_LABELS } from "./rule-labels.ts";

/** Rules as a table: what each does, where, and (for those who may) switch or delete it. */
export function RulesTable({ rules }: { rules: GovernanceRule[] }) {
  const me = useMe().data;
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <Alert>{error}</Alert>
      <table className="rules-table">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Tier</th>
            <th scope="col">Action</th>
            <th scope="col">Scope</th>
            <th scope="col">Version</th>
            <th scope="col">Enabled</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => {
            const manages = mayManageRules(me, rule.teamId);
            return (
              <tr key={rule.id}>
                <td className="rule-name">
                  <Link to={`/governance/rules/${rule.id}`}>{rule.name}</Link>
                  <div className="small-text">
                    <RuleWhere rule={rule} />
                  </div>
                </td>
                <td data-label="Tier">{TIER_LABELS[rule.spec.tier]}</td>
                <td data-label="Action">
                  <span className={`action-badge action-${rule.spec.action}`}>
                    {ACTION_LABELS[rule.spec.action]}
                  </span>
                </td>
                <td data-label="Scope" className="small-text">
                  {scopeSummary(rule.spec.scope)}
                </td>
                <td data-label="Version">v{rule.currentVersion}</td>
                <td data-label="Enabled">
                  <EnabledSwitch rule={rule} editable={manages} onError={setError} />
                </td>
                <td className="actions">
                  <div className="row">
                    <Link to={`/governance/rules/${rule.id}/history`} aria-label={`History of ${rule.name}`}>
                      History
                    </Link>
                    {manages && <DeleteRuleButton rule={rule} onError={setError} />}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
