import type { AccountRef, Balance, BudgetAlert, LedgerTransaction, TransactionKind } from "@parley/contracts";
import type { AlertRow } from "./budget.repository.ts";
import type { AccountRow, TransactionRow } from "./ledger.repository.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** Whose account a row is. */
export function ownerOf(row: AccountRow): AccountRef {
  return row.user_id !== null ? { kind: "user", id: row.user_id } : { kind: "team", id: row.team_id ?? "" };
}

/** An account's balance as the API answers it. */
export function toBalance(row: AccountRow, heldMicros: number, enforced: boolean): Balance {
  const balanceMicros = row.balance_micros;
  return {
    account: ownerOf(row),
    balanceMicros,
    heldMicros,
    availableMicros: balanceMicros - heldMicros,
    enforced,
  };
}

/** A ledger row as the API answers it. */
export function toTransaction(row: TransactionRow, account: AccountRef): LedgerTransaction {
  return {
    id: row.id,
    account,
    kind: row.kind as TransactionKind,
    amountMicros: row.amount_micros,
    balanceAfterMicros: row.balance_after_micros,
    actorId: row.actor_id,
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    refundOf: row.refund_of,
    at: iso(row.at),
  };
}

/** An alert row as the API answers it. */
export function toAlert(row: AlertRow): BudgetAlert {
  return {
    id: row.id,
    budgetId: row.budget_id,
    scope: { kind: row.scope_kind as BudgetAlert["scope"]["kind"], id: row.scope_id },
    threshold: row.threshold === 100 ? 100 : 80,
    periodStart: iso(row.period_start),
    spentMicros: row.spent_micros,
    limitMicros: row.limit_micros,
    at: iso(row.at),
  };
}
