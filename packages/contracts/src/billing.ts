import { z } from "zod";

/**
 * Money in Parley is counted in integer micro-units: millionths of the price table's currency
 * (1 USD = 1,000,000). Never floats, so sums stay exact in both databases.
 */
export const MICROS_PER_UNIT = 1_000_000;

/**
 * The largest single top-up, adjustment or budget limit: one million currency units. Anything
 * above is a typo or an attack (LibreChat once credited 485M through a negative price).
 */
export const MAX_AMOUNT_MICROS = 1_000_000 * MICROS_PER_UNIT;

/** A positive amount, within {@link MAX_AMOUNT_MICROS}. */
export const PositiveMicros = z
  .number()
  .int("must be a whole number of micro-units")
  .positive("must be more than 0")
  .max(MAX_AMOUNT_MICROS, `must be at most ${MAX_AMOUNT_MICROS} micro-units`);

/** Whose balance: a person's own or a team's. */
export const AccountKind = z.enum(["user", "team"]);
export type AccountKind = z.infer<typeof AccountKind>;

/** A balance's owner. */
export const AccountRef = z.strictObject({ kind: AccountKind, id: z.string().min(1).max(100) });
export type AccountRef = z.infer<typeof AccountRef>;

/** What moved money: a credit (top-up, refund, allowance), a debit (usage, expiry), or a correction. */
export const TransactionKind = z.enum(["topup", "usage", "refund", "adjustment", "expiry", "allowance"]);
export type TransactionKind = z.infer<typeof TransactionKind>;

/** A balance: what was credited less what was spent, and what running calls hold. */
export const Balance = z
  .object({
    account: AccountRef,
    balanceMicros: z.number().int(),
    /** Held by calls in flight (their maximum cost), released when they settle or expire. */
    heldMicros: z.number().int(),
    /** `balanceMicros - heldMicros`: what a new call may reserve. */
    availableMicros: z.number().int(),
    /** Whether AI calls are refused once `availableMicros` cannot cover their maximum cost. */
    enforced: z.boolean(),
  })
  .meta({ id: "Balance" });
export type Balance = z.infer<typeof Balance>;

/** One ledger entry. */
export const LedgerTransaction = z
  .object({
    id: z.string(),
    account: AccountRef,
    kind: TransactionKind,
    /** Signed: credits positive, debits negative. */
    amountMicros: z.number().int(),
    balanceAfterMicros: z.number().int(),
    /** Who caused it: a user id, or null for Parley itself (a payment webhook, an allowance). */
    actorId: z.string().nullable(),
    reason: z.string(),
    /** Unique: a payment event id, `allowance:<account>:<yyyy-mm>`, `usage:<reservation>`. */
    idempotencyKey: z.string().nullable(),
    /** For a refund: the movement it refunds (part or all of). */
    refundOf: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .meta({ id: "LedgerTransaction" });
export type LedgerTransaction = z.infer<typeof LedgerTransaction>;

/** `GET /api/v1/billing/balance` and `/transactions`: one's own account, or a team's. */
export const AccountQuery = z.strictObject({
  teamId: z.string().min(1).max(100).optional(),
  userId: z.string().min(1).max(100).optional(),
});
export type AccountQuery = z.infer<typeof AccountQuery>;

/** `GET /api/v1/billing/transactions`: newest first, optionally of one kind and in a range. */
export const TransactionListQuery = AccountQuery.extend({
  kind: TransactionKind.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  /** Exclusive. */
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TransactionListQuery = z.infer<typeof TransactionListQuery>;

/** `POST /api/v1/billing/top-ups`: credit an account. */
export const TopUpRequest = z
  .strictObject({
    account: AccountRef,
    amountMicros: PositiveMicros,
    reason: z.string().trim().min(1).max(500),
    /** Retrying with the same key credits once. */
    idempotencyKey: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: "TopUpRequest" });
export type TopUpRequest = z.infer<typeof TopUpRequest>;

/** `POST /api/v1/billing/adjustments`: a signed correction, with its reason. */
export const AdjustmentRequest = z
  .strictObject({
    account: AccountRef,
    amountMicros: z
      .number()
      .int("must be a whole number of micro-units")
      .min(-MAX_AMOUNT_MICROS, `must be at least -${MAX_AMOUNT_MICROS} micro-units`)
      .max(MAX_AMOUNT_MICROS, `must be at most ${MAX_AMOUNT_MICROS} micro-units`)
      .refine((n) => n !== 0, "must not be 0"),
    reason: z.string().trim().min(1).max(500),
    idempotencyKey: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: "AdjustmentRequest" });
export type AdjustmentRequest = z.infer<typeof AdjustmentRequest>;

/**
 * `POST /api/v1/billing/refunds`: give back part or all of a top-up (a debit of the account) or
 * of a usage debit (a credit). Never more than what is left to refund of it.
 */
export const RefundRequest = z
  .strictObject({
    transactionId: z.string().min(1).max(100),
    /** What to refund; absent: everything not refunded yet. */
    amountMicros: PositiveMicros.optional(),
    reason: z.string().trim().min(1).max(500),
    /** Required: retrying with the same key refunds once. */
    idempotencyKey: z.string().trim().min(1).max(200),
  })
  .meta({ id: "RefundRequest" });
export type RefundRequest = z.infer<typeof RefundRequest>;

/** `GET /api/v1/billing/accounts`: every person or every team, with their balance (0 before any movement). */
export const AccountListQuery = z.strictObject({
  kind: AccountKind.default("user"),
  /** Part of a name or e-mail, any case. */
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AccountListQuery = z.infer<typeof AccountListQuery>;

/** One person's or team's balance in the accounts list. */
export const AccountSummary = z
  .object({
    account: AccountRef,
    /** A person's name, or a team's. */
    name: z.string(),
    /** A person's e-mail; null for a team. */
    email: z.string().nullable(),
    balanceMicros: z.number().int(),
    /** The last movement's time; null: none yet. */
    updatedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "AccountSummary" });
export type AccountSummary = z.infer<typeof AccountSummary>;

/** What a budget caps. Widget and bot budgets apply once those surfaces name them in a call. */
export const BudgetScopeKind = z.enum(["user", "team", "api_key", "assistant", "widget", "bot"]);
export type BudgetScopeKind = z.infer<typeof BudgetScopeKind>;

/** A budget's window, in UTC: a day, an ISO week (from Monday), a calendar month. */
export const BudgetPeriod = z.enum(["day", "week", "month"]);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/**
 * Whom a widget's or bot's budget caps separately: each visitor (a widget visitor, a Telegram
 * chat) or each IP address (widgets only). Absent: the whole scope together. ADR 0037.
 */
export const BudgetPer = z.enum(["visitor", "ip"]);
export type BudgetPer = z.infer<typeof BudgetPer>;

/** A spending cap on one scope per period. */
export const Budget = z
  .object({
    id: z.string(),
    scope: z.object({ kind: BudgetScopeKind, id: z.string() }),
    /** The team the scope belongs to (a team budget's own team); null: a global admin's budget. */
    teamId: z.string().nullable(),
    period: BudgetPeriod,
    /** Null: the limit is the whole scope's; else each visitor's or IP's own. */
    per: BudgetPer.nullable(),
    limitMicros: z.number().int(),
    /** The current period's start. */
    periodStart: z.iso.datetime(),
    /**
     * Settled spend in the current period; for a per-visitor or per-IP budget, that of the one
     * that spent the most (the closest to its cap).
     */
    spentMicros: z.number().int(),
    /** Held by calls in flight (of that same visitor or IP, for a per-subject budget). */
    heldMicros: z.number().int(),
    /** How many visitors or IPs spent in the current period; null for a whole-scope budget. */
    subjects: z.number().int().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Budget" });
export type Budget = z.infer<typeof Budget>;

/**
 * Whether a budget on a `kind` scope may cap each subject `per`: a widget's each visitor or each
 * IP address, a bot's each visitor (a Telegram chat), nothing else.
 */
export function perAllowed(kind: BudgetScopeKind, per: BudgetPer): boolean {
  return kind === "widget" || (kind === "bot" && per === "visitor");
}

/** `POST /api/v1/billing/budgets`. */
export const CreateBudgetRequest = z
  .strictObject({
    scope: z.strictObject({ kind: BudgetScopeKind, id: z.string().min(1).max(100) }),
    period: BudgetPeriod,
    limitMicros: PositiveMicros,
    /** Cap each visitor (widget, bot) or each IP (widget) separately. */
    per: BudgetPer.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.per === undefined) return;
    if (!perAllowed(body.scope.kind, body.per))
      ctx.addIssue({
        code: "custom",
        path: ["per"],
        message:
          body.scope.kind === "bot"
            ? "a bot's budget may be per visitor (Telegram chat), not per IP"
            : "only a widget's or a bot's budget may be per visitor or per IP",
      });
  })
  .meta({ id: "CreateBudgetRequest" });
export type CreateBudgetRequest = z.infer<typeof CreateBudgetRequest>;

/** `PATCH /api/v1/billing/budgets/{id}`. */
export const UpdateBudgetRequest = z
  .strictObject({ limitMicros: PositiveMicros })
  .meta({ id: "UpdateBudgetRequest" });
export type UpdateBudgetRequest = z.infer<typeof UpdateBudgetRequest>;

/** `GET /api/v1/billing/budgets`. */
export const BudgetListQuery = z.strictObject({ teamId: z.string().min(1).max(100).optional() });
export type BudgetListQuery = z.infer<typeof BudgetListQuery>;

/** A budget reached 80% or 100% of its limit in a period: told once per threshold and period. */
export const BudgetAlert = z
  .object({
    id: z.string(),
    budgetId: z.string(),
    scope: z.object({ kind: BudgetScopeKind, id: z.string() }),
    threshold: z.union([z.literal(80), z.literal(100)]),
    periodStart: z.iso.datetime(),
    spentMicros: z.number().int(),
    limitMicros: z.number().int(),
    at: z.iso.datetime(),
  })
  .meta({ id: "BudgetAlert" });
export type BudgetAlert = z.infer<typeof BudgetAlert>;

/** Details of a `budget.exceeded` refusal. */
export const BudgetExceededDetails = z.object({
  /** What ran out: a budget's scope, or the payer's balance. */
  scope: z.enum(["user", "team", "api_key", "assistant", "widget", "bot", "balance"]),
  budgetId: z.string().nullable(),
  /** The call's maximum cost, which could not be reserved. */
  requiredMicros: z.number().int(),
  availableMicros: z.number().int(),
});
export type BudgetExceededDetails = z.infer<typeof BudgetExceededDetails>;
