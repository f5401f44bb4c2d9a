import type { DecisionAction, RuleSurface, RuleTier } from "@parley/contracts";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { DECISION_ACTIONS, DECISION_LABELS } from "./decision-summary.ts";
import { DecisionsOverview } from "./decisions-overview.tsx";
import { DecisionsTable } from "./decisions-table.tsx";
import { oversightApi, oversightKeys, type DecisionFilters } from "./oversight-api.ts";
import { SURFACE_LABELS, SURFACES, TIER_LABELS, TIERS } from "./rule-labels.ts";

const NONE: DecisionFilters = { teamId: "", ruleId: "", action: "", tier: "", surface: "", from: "", to: "" };

/** What a decision is, while none is recorded yet. */
function EmptyDecisions({ filtered }: { filtered: boolean }) {
  if (filtered) return <p className="muted">No decision matches these filters.</p>;
  return (
    <div className="knowledge-empty">
      <p>
        Each time a rule acts on an AI call, a <strong>decision</strong> is recorded here: it blocked,
        redacted, warned, recorded, or held the call for approval, and whether that call was approved or
        denied. A decision names what matched by kind and fingerprint, never the text itself.
      </p>
      <p className="muted">No decisions yet.</p>
    </div>
  );
}

function Select<T extends string>({
  label,
  value,
  any,
  options,
  onChange,
}: {
  label: string;
  value: T | "";
  any: string;
  options: readonly (readonly [T, string])[];
  onChange: (value: T | "") => void;
}) {
  return (
    <label>
      {label}
      <select
        value={value}
        onChange={(e) => {
          onChange(e.target.value as T | "");
        }}
      >
        <option value="">{any}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Decisions: a chart by day and action, the top rules and teams, and the filterable list. */
export function DecisionsPage() {
  const me = useMe().data;
  const [f, setF] = useState<DecisionFilters>(NONE);
  const set = (patch: Partial<DecisionFilters>) => {
    setF((old) => ({ ...old, ...patch }));
  };
  const summary = useQuery({
    queryKey: oversightKeys.summary(f.teamId, f.from, f.to),
    queryFn: () => oversightApi.summary(f.teamId, f.from, f.to),
  });
  const list = useInfiniteQuery({
    queryKey: oversightKeys.decisionList(f),
    queryFn: ({ pageParam }) => oversightApi.decisions(f, pageParam),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(f).some(Boolean);
  const rules = summary.data?.byRule ?? [];
  return (
    <section className="panel governance-oversight" aria-labelledby="decisions-title">
      <h1 id="decisions-title">Decisions</h1>
      <form
        className="search-form decision-filters"
        aria-label="Filter decisions"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <Select
          label="Team"
          value={f.teamId}
          any="All you see"
          options={(me?.teams ?? []).map((t) => [t.id, `Team ${t.name}`] as const)}
          onChange={(teamId) => {
            set({ teamId, ruleId: "" });
          }}
        />
        <Select
          label="Rule"
          value={f.ruleId}
          any="Any rule"
          options={rules.map((r) => [r.ruleId, r.ruleName] as const)}
          onChange={(ruleId) => {
            set({ ruleId });
          }}
        />
        <Select<DecisionAction>
          label="Decision"
          value={f.action}
          any="Any decision"
          options={DECISION_ACTIONS.map((a) => [a, DECISION_LABELS[a]] as const)}
          onChange={(action) => {
            set({ action });
          }}
        />
        <Select<RuleTier>
          label="Tier"
          value={f.tier}
          any="Any tier"
          options={TIERS.map((t) => [t, TIER_LABELS[t]] as const)}
          onChange={(tier) => {
            set({ tier });
          }}
        />
        <Select<RuleSurface>
          label="Surface"
          value={f.surface}
          any="Any surface"
          options={SURFACES.map((s) => [s, SURFACE_LABELS[s]] as const)}
          onChange={(surface) => {
            set({ surface });
          }}
        />
        <label>
          From
          <input
            type="date"
            value={f.from}
            max={f.to || undefined}
            onChange={(e) => {
              set({ from: e.target.value });
            }}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={f.to}
            min={f.from || undefined}
            onChange={(e) => {
              set({ to: e.target.value });
            }}
          />
        </label>
        {filtered && (
          <button
            type="button"
            className="ghost small"
            onClick={() => {
              setF(NONE);
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      <p className="muted small-text">
        The chart and the top lists count {f.from || f.to ? "the chosen days" : "the last 30 days"}
        {f.teamId ? " of the chosen team" : ""}; the list below follows every filter.
      </p>
      {summary.isError && <Alert>{errorText(summary.error)}</Alert>}
      {summary.data && summary.data.byDay.length > 0 && <DecisionsOverview summary={summary.data} />}
      <h2>Recent decisions</h2>
      {list.isError && <Alert>{errorText(list.error)}</Alert>}
      {list.isPending ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <EmptyDecisions filtered={filtered} />
      ) : (
        <DecisionsTable decisions={items} teamId={f.teamId} />
      )}
      {list.hasNextPage && (
        <button
          type="button"
          className="ghost small"
          disabled={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
