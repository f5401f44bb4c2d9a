import type { LedgerTransaction, Page, TransactionKind } from "@parley/contracts";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { toQuery, type DayRange } from "../../components/report-range.ts";
import { RangeFields } from "../../components/range-fields.tsx";
import type { NamedAccount } from "./balances-tab.tsx";
import { MoneyDialog } from "./money-dialog.tsx";
import { formatMicros } from "./money.ts";

/** What each kind of movement is called. */
export const KIND_LABELS: Record<TransactionKind, string> = {
  topup: "Top-up",
  usage: "AI usage",
  refund: "Refund",
  adjustment: "Adjustment",
  expiry: "Expiry",
  allowance: "Allowance",
};

/**
 * An account's ledger, newest first, filtered by kind and dates, in pages of 50; a top-up or a
 * usage charge can be refunded (global admins).
 */
export function TransactionsTab({
  account,
  canRefund,
}: {
  account: NamedAccount | null;
  canRefund: boolean;
}) {
  const [kind, setKind] = useState<TransactionKind | "">("");
  const [range, setRange] = useState<DayRange>({ from: "", to: "" });
  const ledger = useInfiniteQuery({
    queryKey: ["billing", "transactions", account?.account, kind, range],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams({ limit: "50", ...toQuery(range) });
      if (account) query.set(account.account.kind === "user" ? "userId" : "teamId", account.account.id);
      if (kind) query.set("kind", kind);
      if (pageParam) query.set("cursor", pageParam);
      return api<Page<LedgerTransaction>>(`/api/v1/billing/transactions?${query.toString()}`);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = ledger.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="transactions-heading">
      <h2 id="transactions-heading">Transactions of {account ? account.name : "your own account"}</h2>
      {!account && <p className="muted">Pick someone under Balances to see theirs.</p>}
      <div className="row filters">
        <label>
          Kind{" "}
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as TransactionKind | "");
            }}
          >
            <option value="">all</option>
            {Object.entries(KIND_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <RangeFields range={range} onChange={setRange} />
      </div>
      <TransactionTable
        rows={rows}
        loading={ledger.isPending}
        error={ledger.error}
        canRefund={canRefund}
        empty={
          kind || range.from || range.to ? "No transactions match these filters." : "No transactions yet."
        }
      />
      {ledger.hasNextPage && (
        <button
          type="button"
          disabled={ledger.isFetchingNextPage}
          onClick={() => {
            void ledger.fetchNextPage();
          }}
        >
          {ledger.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}

/** Ledger rows as a table (also the profile's recent transactions). */
export function TransactionTable({
  rows,
  loading,
  error,
  canRefund = false,
  empty,
}: {
  rows: LedgerTransaction[];
  loading: boolean;
  error: unknown;
  canRefund?: boolean;
  empty: string;
}) {
  if (loading) return <p className="muted">Loading…</p>;
  if (error)
    return (
      <p role="alert" className="error">
        {errorText(error)}
      </p>
    );
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  // What is already refunded of each movement, from the refunds listed (newer, so loaded first).
  const refunded = new Map<string, number>();
  for (const t of rows)
    if (t.refundOf) refunded.set(t.refundOf, (refunded.get(t.refundOf) ?? 0) + Math.abs(t.amountMicros));
  const refundable = (t: LedgerTransaction) =>
    (t.kind === "topup" || t.kind === "usage") && (refunded.get(t.id) ?? 0) < Math.abs(t.amountMicros);
  return (
    <table className="transactions">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Kind</th>
          <th scope="col">Amount</th>
          <th scope="col">Balance after</th>
          <th scope="col">Reason</th>
          {canRefund && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((t) => (
          <tr key={t.id}>
            <th scope="row">{new Date(t.at).toLocaleString()}</th>
            <td>{KIND_LABELS[t.kind]}</td>
            <td className={t.amountMicros < 0 ? "debit" : "credit"}>
              {t.amountMicros > 0 ? "+" : ""}
              {formatMicros(t.amountMicros)}
            </td>
            <td>{formatMicros(t.balanceAfterMicros)}</td>
            <td className="reason">
              {t.reason}
              {t.actorId === null && <span className="muted"> · by Parley</span>}
            </td>
            {canRefund && (
              <td className="actions">
                {refundable(t) ? (
                  <RefundDialog transaction={t} />
                ) : refunded.has(t.id) ? (
                  <span className="muted">Refunded</span>
                ) : null}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RefundDialog({ transaction }: { transaction: LedgerTransaction }) {
  const amount = formatMicros(Math.abs(transaction.amountMicros));
  const what = transaction.kind === "topup" ? `the top-up of ${amount}` : `the AI usage charge of ${amount}`;
  return (
    <MoneyDialog
      trigger={
        <button type="button" aria-label={`Refund ${what} of ${new Date(transaction.at).toLocaleString()}`}>
          Refund
        </button>
      }
      title={`Refund ${what}`}
      description={
        transaction.kind === "topup"
          ? "Takes the money back out of the balance (never more than is still there)."
          : "Gives the charge back to the balance."
      }
      amountHint="Leave empty to refund all that is left of it; never more than the original."
      optionalAmount
      submitLabel="Refund"
      send={(input) =>
        api("/api/v1/billing/refunds", {
          method: "POST",
          body: {
            transactionId: transaction.id,
            ...(input.micros === undefined ? {} : { amountMicros: input.micros }),
            reason: input.reason,
            idempotencyKey: input.idempotencyKey,
          },
        })
      }
    />
  );
}
