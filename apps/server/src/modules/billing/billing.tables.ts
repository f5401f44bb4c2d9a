/** A balance's holder: a person or a team (exactly one). */
export interface BillingAccountsTable {
  id: string;
  user_id: string | null;
  team_id: string | null;
  /** Micro-units; may go below 0 only by a call that cost more than it reserved. */
  balance_micros: number;
  created_at: number;
  updated_at: number;
}

/** One ledger movement; signed micro-units. */
export interface BillingTransactionsTable {
  id: string;
  account_id: string;
  kind: string;
  amount_micros: number;
  balance_after_micros: number;
  actor_id: string | null;
  reason: string;
  idempotency_key: string | null;
  request_id: string | null;
  /** A refund's original movement. */
  refund_of: string | null;
  at: number;
}

/** A spending cap on one scope per period. */
export interface BillingBudgetsTable {
  id: string;
  scope_kind: string;
  scope_id: string;
  team_id: string | null;
  period: string;
  /** '' for the whole scope; `visitor` or `ip`: the limit applies to each one separately (ADR 0037). */
  per: string;
  limit_micros: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** What a budget's calls cost in one period, settled. */
export interface BillingBudgetSpendTable {
  budget_id: string;
  period_start: number;
  /** '' for a whole-scope budget; the visitor or the IP's pseudonym for a per-subject one. */
  subject: string;
  spent_micros: number;
}

/** Part of a call's reservation on one budget or balance, until it settles or expires. */
export interface BillingHoldsTable {
  id: string;
  reservation_id: string;
  target: string;
  amount_micros: number;
  expires_at: number;
}

/** A budget crossed 80% or 100% in a period. */
export interface BillingAlertsTable {
  id: string;
  budget_id: string;
  scope_kind: string;
  scope_id: string;
  owner_user_id: string | null;
  owner_team_id: string | null;
  threshold: number;
  period_start: number;
  spent_micros: number;
  limit_micros: number;
  at: number;
}

/** Kysely types of the billing module's tables. */
export interface BillingTables {
  billing_accounts: BillingAccountsTable;
  billing_transactions: BillingTransactionsTable;
  billing_budgets: BillingBudgetsTable;
  billing_budget_spend: BillingBudgetSpendTable;
  billing_holds: BillingHoldsTable;
  billing_alerts: BillingAlertsTable;
}
