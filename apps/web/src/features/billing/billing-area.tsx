import type { Me, SessionState } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { api } from "../../api.ts";
import { lastDays, type DayRange } from "../../components/report-range.ts";
import { BalancesTab, type NamedAccount } from "./balances-tab.tsx";
import { BudgetsTab } from "./budgets-tab.tsx";
import { TransactionsTab } from "./transactions-tab.tsx";
import { RangePicker, UsageBreakdown } from "./usage-breakdown.tsx";

type Tab = "balances" | "transactions" | "budgets" | "analytics";

/** Which tabs the caller's permissions make of use, in order. */
function tabsOf(me: Me): { id: Tab; label: string }[] {
  const held = new Set(me.permissions);
  const global = me.user.globalRole === "admin";
  return [
    ...(global && held.has("billing:manage")
      ? [
          { id: "balances" as const, label: "Balances" },
          { id: "transactions" as const, label: "Transactions" },
        ]
      : []),
    ...(held.has("budgets:manage") ? [{ id: "budgets" as const, label: "Budgets" }] : []),
    ...(held.has("usage:read") ? [{ id: "analytics" as const, label: "Analytics" }] : []),
  ];
}

/**
 * Billing administration: everyone's balances with top-ups, adjustments and refunds, the ledger,
 * budgets with their state, and usage by assistant and channel. The tab is in the address
 * (`?tab=`), so each can be linked to.
 */
export function BillingArea() {
  // The signed-in user, from the same query (and cache) as auth's `useMe`, which this folder
  // cannot import: auth imports admin, and admin imports this area.
  const me = useQuery({
    queryKey: ["me"],
    queryFn: async (): Promise<Me | null> => (await api<SessionState>("/api/v1/auth/session")).me,
    staleTime: 60_000,
  }).data;
  const [params, setParams] = useSearchParams();
  const [account, setAccount] = useState<NamedAccount | null>(null);
  const [range, setRange] = useState<DayRange>(() => lastDays(30));
  if (!me) return null;
  const tabs = tabsOf(me);
  const tab = tabs.find((t) => t.id === params.get("tab"))?.id ?? tabs[0]?.id;
  const open = (next: Tab) => {
    setParams({ tab: next });
  };
  return (
    <section aria-labelledby="panel-Billing" className="panel">
      <h1 id="panel-Billing">Billing</h1>
      <nav aria-label="Billing" className="tabs">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            aria-current={t.id === tab ? "page" : undefined}
            onClick={() => {
              open(t.id);
            }}
          >
            {t.label}
          </button>
        ))}
      </nav>
      {tab === "balances" && (
        <BalancesTab
          onShowTransactions={(a) => {
            setAccount(a);
            open("transactions");
          }}
        />
      )}
      {tab === "transactions" && <TransactionsTab account={account} canRefund />}
      {tab === "budgets" && <BudgetsTab me={me} />}
      {tab === "analytics" && (
        <section aria-labelledby="analytics-heading">
          <h2 id="analytics-heading">Usage analytics</h2>
          <RangePicker range={range} onChange={setRange} />
          <UsageBreakdown title="By channel" source="/api/v1/usage" groupBy="channel" range={range} />
          <UsageBreakdown title="By assistant" source="/api/v1/usage" groupBy="assistant" range={range} />
        </section>
      )}
      {!tab && <p role="note">Your role offers no billing area.</p>}
    </section>
  );
}
