import {
  perAllowed,
  type Budget,
  type BudgetPer,
  type BudgetPeriod,
  type BudgetScopeKind,
} from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { PERIODS, SCOPE_LABELS } from "./budget-meter.tsx";
import { EMPTY_SCOPES, type ScopeChoices } from "./budget-scopes.ts";
import { parseAmount } from "./money.ts";

/**
 * A new budget: its scope (picked by name among what the caller may budget), period and limit; a
 * widget's or a bot's may cap each visitor (or, a widget's, each IP address) separately instead
 * of the whole scope.
 */
export function NewBudgetForm({
  global,
  choices,
}: {
  global: boolean;
  choices: (kind: BudgetScopeKind) => ScopeChoices;
}) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<BudgetScopeKind>("team");
  const [scopeId, setScopeId] = useState("");
  const [period, setPeriod] = useState<BudgetPeriod>("month");
  const [per, setPer] = useState<BudgetPer | "">("");
  const [limit, setLimit] = useState("");
  const [typo, setTypo] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: unknown) => api<Budget>("/api/v1/billing/budgets", { method: "POST", body }),
    onSuccess: async () => {
      setLimit("");
      await queryClient.invalidateQueries({ queryKey: ["billing"] });
    },
  });
  // A team admin sets budgets on their team and its assistants, widgets, bots and team API keys.
  const kinds = (Object.keys(SCOPE_LABELS) as BudgetScopeKind[]).filter((k) => global || k !== "user");
  const error = typo ?? (create.error ? errorText(create.error) : null);
  const scopes = choices(kind);
  // The first one is picked until another is: a select always shows one.
  const picked = scopes.items.some((c) => c.id === scopeId) ? scopeId : (scopes.items[0]?.id ?? "");
  return (
    <form
      className="inline-form"
      aria-label="New budget"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = parseAmount(limit);
        if (!parsed.ok) {
          setTypo(parsed.error);
          return;
        }
        if (!picked) {
          setTypo(EMPTY_SCOPES[kind]);
          return;
        }
        setTypo(null);
        const perOf = per && perAllowed(kind, per) ? per : "";
        create.mutate({
          scope: { kind, id: picked },
          period,
          limitMicros: parsed.micros,
          ...(perOf ? { per: perOf } : {}),
        });
      }}
    >
      <h3>New budget</h3>
      <label>
        Applies to
        <select
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as BudgetScopeKind);
            setScopeId("");
            setPer("");
          }}
        >
          {kinds.map((k) => (
            <option key={k} value={k}>
              {SCOPE_LABELS[k]}
            </option>
          ))}
        </select>
      </label>
      <ScopePicker
        kind={kind}
        scopes={scopes}
        value={picked}
        onChange={(id) => {
          setScopeId(id);
        }}
      />
      {(kind === "widget" || kind === "bot") && (
        <label>
          Caps
          <select
            value={per}
            onChange={(e) => {
              setPer(e.target.value as BudgetPer | "");
            }}
          >
            <option value="">{kind === "widget" ? "The whole widget" : "The whole bot"}</option>
            <option value="visitor">{kind === "widget" ? "Each visitor" : "Each Telegram chat"}</option>
            {kind === "widget" && <option value="ip">Each IP address</option>}
          </select>
        </label>
      )}
      <label>
        Period
        <select
          value={period}
          onChange={(e) => {
            setPeriod(e.target.value as BudgetPeriod);
          }}
        >
          {Object.entries(PERIODS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Limit in dollars
        <input
          inputMode="decimal"
          value={limit}
          aria-invalid={typo !== null}
          onChange={(e) => {
            setLimit(e.target.value);
          }}
        />
      </label>
      <button type="submit" className="primary" disabled={create.isPending}>
        Add budget
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * The scope's picker: a select of what the caller may budget, by name; while the list loads, or
 * when there is nothing of the kind to budget, a note saying so where the select would be.
 */
function ScopePicker({
  kind,
  scopes,
  value,
  onChange,
}: {
  kind: BudgetScopeKind;
  scopes: ScopeChoices;
  value: string;
  onChange: (id: string) => void;
}) {
  const label = SCOPE_LABELS[kind];
  if (scopes.error)
    return (
      <p role="alert" className="error">
        {errorText(scopes.error)}
      </p>
    );
  if (scopes.pending) return <p className="muted">Loading…</p>;
  if (scopes.items.length === 0)
    return (
      <p className="muted" role="status">
        {EMPTY_SCOPES[kind]}
      </p>
    );
  return (
    <label>
      {label}
      <select
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      >
        {scopes.items.map((c) => (
          <option key={c.id} value={c.id}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}
