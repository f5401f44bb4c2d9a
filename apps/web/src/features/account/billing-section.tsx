import type { Balance, BudgetAlert, ItemList, LedgerTransaction, Me, Page } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { lastDays, type DayRange } from "../../components/report-range.ts";
import { AlertList, SCOPE_LABELS } from "../billing/budget-meter.tsx";
import { formatMicros } from "../billing/money.ts";
import { TransactionTable } from "../billing/transactions-tab.tsx";
import { RangePicker, UsageBreakdown } from "../billing/usage-breakdown.tsx";

/** Your balance, its latest movements, your budget alerts, and your own AI usage by day and channel. */
export function BillingSection({ me }: { me: Me }) {
  const [range, setRange] = useState<DayRange>(() => lastDays(30));
  const balance = useQuery({
    queryKey: ["billing", "balance", "me"],
    queryFn: () => api<Balance>("/api/v1/billing/balance"),
  });
  const recent = useQuery({
    queryKey: ["billing", "transactions", "me"],
    queryFn: () => api<Page<LedgerTransaction>>("/api/v1/billing/transactions?limit=10"),
  });
  const alerts = useQuery({
    queryKey: ["billing", "alerts"],
    queryFn: () => api<ItemList<BudgetAlert>>("/api/v1/billing/alerts"),
  });
  const b = balance.data;
  return (
    <section aria-labelledby="billing-heading">
      <h2 id="billing-heading">Balance and usage</h2>
      {balance.isPending && <p className="muted">Loading…</p>}
      {balance.error && (
        <p role="alert" className="error">
          {errorText(balance.error)}
        </p>
      )}
      {b && (
        <dl className="balance-card">
          <div>
            <dt>Balance</dt>
            <dd className={b.balanceMicros < 0 ? "error" : undefined}>{formatMicros(b.balanceMicros)}</dd>
          </div>
          <div>
            <dt>Held by running calls</dt>
            <dd>{formatMicros(b.heldMicros)}</dd>
          </div>
          <div>
            <dt>Available</dt>
            <dd>{formatMicros(b.availableMicros)}</dd>
          </div>
        </dl>
      )}
      {b && (
        <p className="muted">
          {b.enforced
            ? "AI calls are paid from this balance (a team's calls from the team's): a call that it cannot cover is refused before anything is sent to the model."
            : "Balances are kept but not required here: AI calls are not refused for lack of credit."}
        </p>
      )}
      {alerts.data && alerts.data.items.length > 0 && (
        <div className="notice notice-budget" role="status">
          <h3>Budget alerts</h3>
          <AlertList
            alerts={alerts.data.items.slice(0, 5)}
            names={(a) =>
              a.scope.kind === "user" && a.scope.id === me.user.id
                ? "Your personal"
                : `${SCOPE_LABELS[a.scope.kind]} ${me.teams.find((t) => t.id === a.scope.id)?.name ?? a.scope.id}`
            }
          />
        </div>
      )}
      <h3>Recent transactions</h3>
      <TransactionTable
        rows={recent.data?.items ?? []}
        loading={recent.isPending}
        error={recent.error}
        empty="No transactions yet: top-ups, charges for AI calls and refunds will be listed here."
      />
      <h3>Your AI usage</h3>
      <RangePicker range={range} onChange={setRange} />
      <UsageBreakdown title="By day" source="/api/v1/me/usage" groupBy="day" range={range} />
      <UsageBreakdown title="By channel" source="/api/v1/me/usage" groupBy="channel" range={range} />
    </section>
  );
}
