import type { GovernanceRule } from "@parley/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { mayManageRules, placesToCreateRules } from "./governance-access.ts";
import { DeleteRuleButton, EnabledSwitch, RuleWhere } from "./rule-controls.tsx";
import { RuleEditor } from "./rule-editor.tsx";
import { useProjectName } from "./rule-scope-fields.tsx";
import { RuleView } from "./rule-view.tsx";
import { ruleKeys, rulesApi } from "./rules-api.ts";

/** A rule's query, not retried when it is gone. */
export function useRule(id: string) {
  return useQuery({
    queryKey: ruleKeys.one(id),
    queryFn: () => rulesApi.get(id),
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 1,
  });
}

/** The rule's name, whose it is, its version and state, and what can be done with it. */
function RuleHeader({ rule, manages }: { rule: GovernanceRule; manages: boolean }) {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  return (
    <header className="rule-header">
      <p className="small-text">
        <Link to="/governance/rules">← All rules</Link>
      </p>
      <div className="row section-head">
        <h1 id="rule-title">{rule.name}</h1>
        <div className="row">
          <Link to={`/governance/rules/${rule.id}/history`}>Version history</Link>
          {manages && (
            <DeleteRuleButton
              rule={rule}
              className="ghost danger"
              onError={setError}
              onDeleted={() => void navigate("/governance/rules")}
            />
          )}
        </div>
      </div>
      <p className="knowledge-facts small-text">
        <RuleWhere rule={rule} />
        <span>Version {rule.currentVersion}</span>
        <span>Updated {new Date(rule.updatedAt).toLocaleString()}</span>
        <EnabledSwitch rule={rule} editable={manages} onError={setError} />
      </p>
      <Alert>{error}</Alert>
    </header>
  );
}

/** `/governance/rules/new` and `/governance/rules/:id`: the editor, or the rule read-only. */
export function RulePage() {
  const { id } = useParams();
  if (!id) return <NewRule />;
  return <ExistingRule key={id} id={id} />;
}

function NewRule() {
  const places = placesToCreateRules(useMe().data);
  const may = places.orgWide || places.teams.length > 0;
  return (
    <section className="panel rule-page" aria-labelledby="rule-title">
      <p className="small-text">
        <Link to="/governance/rules">← All rules</Link>
      </p>
      <h1 id="rule-title">New rule</h1>
      {may ? (
        <RuleEditor rule={null} />
      ) : (
        <p className="muted">
          Creating a rule needs the governance:manage permission (operators and admins of a team, or of the
          organisation).
        </p>
      )}
    </section>
  );
}

function ExistingRule({ id }: { id: string }) {
  const me = useMe().data;
  const queryClient = useQueryClient();
  const rule = useRule(id);
  const projectName = useProjectName(rule.data?.teamId ?? null);
  if (rule.isPending) return <p className="muted">Loading…</p>;
  if (rule.isError)
    return (
      <section className="panel">
        <h1>Rule not found</h1>
        <p className="muted">{errorText(rule.error)}</p>
        <Link to="/governance/rules">All rules</Link>
      </section>
    );
  const manages = mayManageRules(me, rule.data.teamId);
  return (
    <section className="panel rule-page" aria-labelledby="rule-title">
      <RuleHeader rule={rule.data} manages={manages} />
      {manages ? (
        <RuleEditor
          rule={rule.data}
          onReload={async () => {
            // The rule changed elsewhere: the lists showing it are stale too.
            await queryClient.invalidateQueries({ queryKey: ruleKeys.all });
            return queryClient.getQueryData<GovernanceRule>(ruleKeys.one(id));
          }}
        />
      ) : (
        <>
          <p className="muted small-text">
            You can read this rule; changing it needs the governance:manage permission.
          </p>
          <RuleView
            spec={rule.data.spec}
            label={`Version ${rule.data.currentVersion}`}
            projectName={projectName}
          />
        </>
      )}
    </section>
  );
}
