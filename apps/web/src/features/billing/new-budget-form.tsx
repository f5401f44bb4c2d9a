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
import { parseAmount } from "./money.ts";

/**
 * A new budget: its scope (a team by name, else an id), period and limit; a widget's or a bot's may
 * cap each visitor (or, a widget's, each IP address) separately instead of the whole scope.
 */
export function NewBudgetForm({
  global,
  teams,
}: {
  global: boolean;
  teams: readonly { id: string; name: string }[];
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
      setScopeId("");
      await queryClient.invalidateQueries({ queryKey: ["billing"] });
    },
  });
  // A team admin sets budgets on their team and its assistants, widgets, bots and team API keys.
  const kinds = (Object.keys(SCOPE_LABELS) as BudgetScopeKind[]).filter((k) => global || k !== "user");
  const error = typo ?? (create.error ? errorText(create.error) : null);
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
        const id = kind === "team" ? scopeId || teams[0]?.id : scopeId.trim();
        if (!id) {
          setTypo(kind === "team" ? "Pick a team." : `Enter the ${SCOPE_LABELS[kind]}'s id.`);
          return;
        }
        setTypo(null);
        const perOf = per && perAllowed(kind, per) ? per : "";
        create.mutate({
          scope: { kind, id },
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
      {kind === "team" ? (
        <label>
          Team
          <select
            value={scopeId || teams[0]?.id || ""}
            onChange={(e) => {
              setScopeId(e.target.value);
            }}
          >
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <label>
          {SCOPE_LABELS[kind]} id
          <input
            value={scopeId}
            maxLength={100}
            onChange={(e) => {
              setScopeId(e.target.value);
            }}
          />
        </label>
      )}
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
