import type { AccountKind, AccountRef, AccountSummary, Page } from "@parley/contracts";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { creditAccount, MoneyDialog } from "./money-dialog.tsx";
import { formatMicros } from "./money.ts";

/** A named account, as the transactions list shows whose it is. */
export interface NamedAccount {
  account: AccountRef;
  name: string;
}

/**
 * Everyone's balances (people or teams), searchable and paged, with a top-up and an adjustment
 * dialog per row and a link to the row's transactions.
 */
export function BalancesTab({ onShowTransactions }: { onShowTransactions: (account: NamedAccount) => void }) {
  const [kind, setKind] = useState<AccountKind>("user");
  const [draft, setDraft] = useState("");
  const [q, setQ] = useState("");
  const accounts = useInfiniteQuery({
    queryKey: ["billing", "accounts", kind, q],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams({ kind, limit: "50" });
      if (q) query.set("q", q);
      if (pageParam) query.set("cursor", pageParam);
      return api<Page<AccountSummary>>(`/api/v1/billing/accounts?${query.toString()}`);
    },
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
  const rows = accounts.data?.pages.flatMap((p) => p.items) ?? [];
  const who = kind === "user" ? "person" : "team";
  return (
    <section aria-labelledby="balances-heading">
      <h2 id="balances-heading">Balances</h2>
      <form
        className="row filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(draft.trim());
        }}
      >
        <label>
          Show{" "}
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as AccountKind);
            }}
          >
            <option value="user">people</option>
            <option value="team">teams</option>
          </select>
        </label>
        <label>
          Find{" "}
          <input
            type="search"
            value={draft}
            placeholder={kind === "user" ? "name or e-mail" : "team name"}
            onChange={(e) => {
              setDraft(e.target.value);
            }}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      {accounts.isPending && <p className="muted">Loading…</p>}
      {accounts.error && (
        <p role="alert" className="error">
          {errorText(accounts.error)}
        </p>
      )}
      {!accounts.isPending && !accounts.error && rows.length === 0 && (
        <p className="muted">
          {q ? `No ${who} matches “${q}”.` : `No ${kind === "user" ? "people" : "teams"} yet.`}
        </p>
      )}
      {rows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{kind === "user" ? "Person" : "Team"}</th>
              <th scope="col">Balance</th>
              <th scope="col">Last movement</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <BalanceRow key={row.account.id} row={row} onShowTransactions={onShowTransactions} />
            ))}
          </tbody>
        </table>
      )}
      {accounts.hasNextPage && (
        <button
          type="button"
          disabled={accounts.isFetchingNextPage}
          onClick={() => {
            void accounts.fetchNextPage();
          }}
        >
          {accounts.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}

function BalanceRow({
  row,
  onShowTransactions,
}: {
  row: AccountSummary;
  onShowTransactions: (account: NamedAccount) => void;
}) {
  const label = row.email ? `${row.name} <${row.email}>` : row.name;
  return (
    <tr>
      <th scope="row">
        {row.name}
        {row.email && <div className="muted small-text">{row.email}</div>}
      </th>
      <td className={row.balanceMicros < 0 ? "error" : undefined}>{formatMicros(row.balanceMicros)}</td>
      <td className="muted">{row.updatedAt ? new Date(row.updatedAt).toLocaleString() : "never"}</td>
      <td className="actions">
        <div className="row">
          <MoneyDialog
            trigger={
              <button type="button" aria-label={`Top up ${label}`}>
                Top up
              </button>
            }
            title={`Top up ${row.name}`}
            description={`Credits ${row.name}'s balance (now ${formatMicros(row.balanceMicros)}).`}
            submitLabel="Top up"
            send={(input) => creditAccount("top-ups", row.account, input)}
          />
          <MoneyDialog
            trigger={
              <button type="button" aria-label={`Adjust ${label}`}>
                Adjust
              </button>
            }
            title={`Adjust ${row.name}'s balance`}
            description="A correction: positive adds, negative takes away. To give back a top-up or a charge, refund it from the transactions instead."
            submitLabel="Adjust"
            signed
            send={(input) => creditAccount("adjustments", row.account, input)}
          />
          <button
            type="button"
            aria-label={`Transactions of ${label}`}
            onClick={() => {
              onShowTransactions({ account: row.account, name: row.name });
            }}
          >
            Transactions
          </button>
        </div>
      </td>
    </tr>
  );
}
