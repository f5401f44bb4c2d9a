import type { GovernanceRuleVersion } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { RuleDiff } from "./rule-diff-table.tsx";
import { useRule } from "./rule-page.tsx";
import { useProjectName } from "./rule-scope-fields.tsx";
import { RuleView } from "./rule-view.tsx";
import { ruleKeys, rulesApi } from "./rules-api.ts";
import { useAuthors } from "./use-authors.ts";

/** `/governance/rules/:id/history`: every version with who saved it and when; one read, two compared. */
export function RuleHistoryPage() {
  const { id = "" } = useParams();
  const rule = useRule(id);
  const versions = useQuery({ queryKey: ruleKeys.versions(id), queryFn: () => rulesApi.versions(id) });
  const items = versions.data?.items ?? [];
  const author = useAuthors(
    rule.data,
    items.map((v) => v.createdBy),
  );
  const projectName = useProjectName(rule.data?.teamId ?? null);
  const newest = items[0]?.version ?? 0;
  const [viewing, setViewing] = useState<number | null>(null);
  const shown: GovernanceRuleVersion | undefined = items.find((v) => v.version === (viewing ?? newest));
  const name = rule.data?.name ?? "this rule";
  return (
    <section className="panel rule-history" aria-labelledby="history-title">
      <p className="small-text">
        <Link to={`/governance/rules/${id}`}>← {rule.data?.name ?? "The rule"}</Link>
      </p>
      <h1 id="history-title">History of {name}</h1>
      <p className="muted small-text">
        Every save is a new version; versions never change. The newest one applies.
      </p>
      {versions.isError && <Alert>{errorText(versions.error)}</Alert>}
      {versions.isPending && <p className="muted">Loading…</p>}
      {items.length > 0 && (
        <table className="versions-table">
          <caption className="visually-hidden">Versions of {name}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Saved by</th>
              <th scope="col">When</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.version} className={v.version === shown?.version ? "selected" : undefined}>
                <td>
                  v{v.version}
                  {v.version === newest && <span className="muted small-text"> (current)</span>}
                </td>
                <td>{author(v.createdBy)}</td>
                <td>
                  <time dateTime={v.createdAt}>{new Date(v.createdAt).toLocaleString()}</time>
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="ghost small"
                    aria-pressed={v.version === shown?.version}
                    onClick={() => {
                      setViewing(v.version);
                    }}
                  >
                    View version {v.version}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown && (
        <section aria-labelledby="version-title" className="version-view">
          <h2 id="version-title">Version {shown.version}</h2>
          <p className="muted small-text">
            Saved by {author(shown.createdBy)} on {new Date(shown.createdAt).toLocaleString()}.
          </p>
          <RuleView spec={shown.spec} label={`Version ${shown.version}`} projectName={projectName} />
        </section>
      )}
      {items.length > 1 && <RuleDiff versions={items} projectName={projectName} />}
      {items.length === 1 && <p className="muted small-text">One version so far: nothing to compare yet.</p>}
    </section>
  );
}
