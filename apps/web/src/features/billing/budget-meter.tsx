import type { Budget, BudgetAlert, BudgetPer, BudgetPeriod, BudgetScopeKind } from "@parley/contracts";
import { formatMicros } from "./money.ts";

/** What each budget scope is called. */
export const SCOPE_LABELS: Record<BudgetScopeKind, string> = {
  user: "Person",
  team: "Team",
  api_key: "API key",
  assistant: "Assistant",
  widget: "Widget",
  bot: "Telegram bot",
};

/** How each budget period reads. */
export const PERIODS: Record<BudgetPeriod, string> = { day: "per day", week: "per week", month: "per month" };

/** How a per-subject budget's subject reads. */
export const PER_LABELS: Record<BudgetPer, string> = {
  visitor: "for each visitor",
  ip: "for each IP address",
};

/** A budget's state in its period: fine, past 80% (nearly used up), or at 100% (used up). */
export function budgetState(budget: Pick<Budget, "spentMicros" | "heldMicros" | "limitMicros">): {
  percent: number;
  level: "ok" | "warn" | "full";
  text: string;
} {
  const percent = Math.min(100, Math.floor((budget.spentMicros * 100) / Math.max(1, budget.limitMicros)));
  if (budget.spentMicros >= budget.limitMicros) return { percent, level: "full", text: "Used up (100%)" };
  if (percent >= 80) return { percent, level: "warn", text: `Nearly used up (${percent}%)` };
  return { percent, level: "ok", text: `${percent}% used` };
}

/** Spent, held and the limit with a progress bar and the 80%/100% state. */
export function BudgetMeter({ budget, label }: { budget: Budget; label: string }) {
  const state = budgetState(budget);
  return (
    <div className={`budget-meter budget-${state.level}`}>
      <progress
        max={budget.limitMicros}
        value={Math.min(budget.spentMicros, budget.limitMicros)}
        aria-label={label}
      >
        {state.percent}%
      </progress>
      <div>
        <strong>{state.text}</strong> · {formatMicros(budget.spentMicros)} of{" "}
        {formatMicros(budget.limitMicros)}
        {budget.heldMicros > 0 && (
          <span className="muted"> · {formatMicros(budget.heldMicros)} held by running calls</span>
        )}
        {budget.per && (
          <span className="muted">
            {" "}
            · by the {budget.per === "ip" ? "address" : "visitor"} that spent most; {budget.subjects ?? 0}{" "}
            {budget.per === "ip" ? "addresses" : "visitors"} this period
          </span>
        )}
      </div>
    </div>
  );
}

/** The alerts told at 80% and 100%, newest first, as a list people read. */
export function AlertList({
  alerts,
  names,
}: {
  alerts: BudgetAlert[];
  names?: (alert: BudgetAlert) => string;
}) {
  return (
    <ul className="budget-alerts">
      {alerts.map((a) => (
        <li key={a.id} className={a.threshold === 100 ? "budget-full" : "budget-warn"}>
          <strong>{a.threshold === 100 ? "Used up" : "80% reached"}</strong>:{" "}
          {names ? names(a) : `${SCOPE_LABELS[a.scope.kind]} ${a.scope.id}`}{" "}
          {`budget (${formatMicros(a.spentMicros)} of ${formatMicros(a.limitMicros)})`}
          <span className="muted"> · {new Date(a.at).toLocaleString()}</span>
        </li>
      ))}
    </ul>
  );
}
