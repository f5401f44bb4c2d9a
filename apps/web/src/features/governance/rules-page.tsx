import type { GovernanceRule, RuleTier } from "@parley/contracts";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { DryRunPanel } from "./dry-run-panel.tsx";
import { placesToCreateRules } from "./governance-access.ts";
import { TIER_LABELS, TIERS } from "./rule-labels.ts";
import { ruleKeys, rulesApi } from "./rules-api.ts";
import { RulesTable } from "./rules-table.tsx";

/** "": every rule you see; "org": organisation-wide ones; else a team's id. */
type Where = string;

/** The "New rule" link, for those who may create a rule somewhere. */
function NewRuleLink() {
  const places = placesToCreateRules(useMe().data);
  if (!places.orgWide && places.teams.length === 0) return null;
  return (
    <Link to="/governance/rules/new" className="button primary">
      <Icon name="plus" /> New rule
    </Link>
  );
}

/** What a rule is, and the first one's button: shown while there is none. */
function EmptyRules() {
  return (
    <div className="knowledge-empty">
      <p>
        A <strong>rule</strong> checks what goes to an AI model and what comes back. It looks for secrets,
        personal data, patterns or keywords, and then blocks the call, redacts what it found, warns, asks for
        an approval or only records it. A rule belongs to a team, or applies to the whole organisation.
      </p>
      <p className="muted">No rules yet.</p>
      <NewRuleLink />
    </div>
  );
}

/** Rules: the ones you see, filtered by team, tier and state; and a dry-run to try them. */
export function RulesPage() {
  const me = useMe().data;
  const [where, setWhere] = useState<Where>("");
  const [tier, setTier] = useState<RuleTier | "">("");
  const [enabled, setEnabled] = useState<"" | "on" | "off">("");
  const teamId = where === "org" ? "" : where;
  const list = useInfiniteQuery({
    queryKey: ruleKeys.list(teamId),
    queryFn: ({ pageParam }) => rulesApi.list(teamId, pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const all = list.data?.pages.flatMap((p) => p.items) ?? [];
  const shown = all.filter(
    (r: GovernanceRule) =>
      (where !== "org" || r.teamId === null) &&
      (tier === "" || r.spec.tier === tier) &&
      (enabled === "" || r.enabled === (enabled === "on")),
  );
  const filtered = where !== "" || tier !== "" || enabled !== "";
  // Before the first rule, filters and a dry-run have nothing to work on.
  const none = list.isSuccess && all.length === 0 && !filtered;
  return (
    <div className="governance-rules">
      <section className="panel" aria-labelledby="rules-title">
        <div className="row section-head">
          <h1 id="rules-title">Rules</h1>
          {all.length > 0 && <NewRuleLink />}
        </div>
        {!none && (
          <form
            className="search-form rule-filters"
            aria-label="Filter rules"
            onSubmit={(e) => {
              e.preventDefault();
            }}
          >
            <label>
              Team
              <select
                value={where}
                onChange={(e) => {
                  setWhere(e.target.value);
                }}
              >
                <option value="">All rules you see</option>
                <option value="org">Organisation-wide</option>
                {me?.teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    Team {t.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Tier
              <select
                value={tier}
                onChange={(e) => {
                  setTier(e.target.value as RuleTier | "");
                }}
              >
                <option value="">Any tier</option>
                {TIERS.map((t) => (
                  <option key={t} value={t}>
                    {TIER_LABELS[t]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              State
              <select
                value={enabled}
                onChange={(e) => {
                  setEnabled(e.target.value as "" | "on" | "off");
                }}
              >
                <option value="">On and off</option>
                <option value="on">On</option>
                <option value="off">Off</option>
              </select>
            </label>
          </form>
        )}
        {list.isError && <Alert>{errorText(list.error)}</Alert>}
        {list.isPending ? (
          <p className="muted">Loading…</p>
        ) : none ? (
          <EmptyRules />
        ) : shown.length === 0 ? (
          <p className="muted">No rule matches these filters.</p>
        ) : (
          <RulesTable rules={shown} />
        )}
        {list.hasNextPage && (
          <button
            type="button"
            className="ghost small"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {list.isFetchingNextPage ? "Loading…" : "Show more"}
          </button>
        )}
      </section>
      {!none && <DryRunPanel />}
    </div>
  );
}
