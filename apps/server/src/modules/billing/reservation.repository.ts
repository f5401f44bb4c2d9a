import type { Kysely } from "kysely";
import type { BudgetScopeKind } from "@parley/contracts";
import { newId } from "../../kernel/ids.ts";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { BillingTables } from "./billing.tables.ts";
import { budgetTarget, type BudgetRepository } from "./budget.repository.ts";
import {
  accountTarget,
  type LedgerRepository,
  type Movement,
  type TransactionRow,
} from "./ledger.repository.ts";

/** A budget a reservation holds against, in the period it was made in. */
export interface HeldBudget {
  id: string;
  scopeKind: BudgetScopeKind;
  periodStart: number;
  /** '' for a whole-scope budget; the visitor or IP whose share of a per-subject budget is held. */
  subject: string;
}

/** What to reserve: the call's maximum cost on each budget and, when enforced, the payer's balance. */
export interface ReserveRequest {
  reservationId: string;
  budgets: readonly HeldBudget[];
  accountId: string | null;
  amountMicros: number;
  now: number;
  expiresAt: number;
}

/** Why a reservation was refused: the first budget (or the balance) that could not cover it. */
export interface Shortfall {
  scope: BudgetScopeKind | "balance";
  budgetId: string | null;
  availableMicros: number;
}

/** A budget's spend once a call settled, with what it was before, for the alerts. */
export interface SettledSpend {
  budgetId: string;
  before: number;
  after: number;
}

/**
 * Reserving and settling, each in one transaction that first locks every budget row involved
 * (in id order, so two calls never wait on each other crosswise) and then the payer's account:
 * on PostgreSQL with `FOR UPDATE`, across pods; on SQLite the single writer does the same. A
 * check (settled spend + live holds + this call ≤ limit) and its hold are therefore one step.
 * A per-visitor or per-IP budget is checked on its subject's share, under the same budget row
 * lock (all of a widget's visitors wait on one row: simple, and no slower than a widget budget).
 */
export class ReservationRepository {
  readonly #db: Kysely<BillingTables>;
  readonly #dialect: Database["dialect"];
  readonly #ledger: LedgerRepository;
  readonly #budgets: BudgetRepository;
  constructor(
    database: Pick<Database, "db" | "dialect">,
    deps: { ledger: LedgerRepository; budgets: BudgetRepository },
  ) {
    this.#db = tablesOf<BillingTables>(database.db);
    this.#dialect = database.dialect;
    this.#ledger = deps.ledger;
    this.#budgets = deps.budgets;
  }

  /** Holds `amountMicros` on every budget and the balance, or nothing: answers the shortfall. */
  reserve(request: ReserveRequest): Promise<Shortfall | null> {
    return this.#db.transaction().execute(async (trx) => {
      const limits = await this.#lockBudgets(
        trx,
        request.budgets.map((b) => b.id),
      );
      for (const budget of request.budgets) {
        const limit = limits.get(budget.id);
        // Deleted since it was looked up: it no longer applies.
        if (limit === undefined) continue;
        const spent = await this.#budgets.spent(trx, budget.id, budget.periodStart, budget.subject);
        const held = await this.#ledger.held(trx, budgetTarget(budget.id, budget.subject), request.now);
        const available = limit - spent - held;
        if (request.amountMicros > available)
          return { scope: budget.scopeKind, budgetId: budget.id, availableMicros: Math.max(0, available) };
      }
      if (request.accountId !== null) {
        const account = await this.#ledger.lockAccount(trx, request.accountId);
        const held = await this.#ledger.held(trx, accountTarget(request.accountId), request.now);
        // Parenthesized: `a ?? 0 - held` would read as `a ?? (0 - held)` and ignore the live holds.
        const available = (account?.balance_micros ?? 0) - held;
        if (request.amountMicros > available)
          return { scope: "balance", budgetId: null, availableMicros: Math.max(0, available) };
      }
      const targets = [
        ...request.budgets.filter((b) => limits.has(b.id)).map((b) => budgetTarget(b.id, b.subject)),
        ...(request.accountId !== null ? [accountTarget(request.accountId)] : []),
      ];
      if (targets.length)
        await trx
          .insertInto("billing_holds")
          .values(
            targets.map((target) => ({
              id: newId(),
              reservation_id: request.reservationId,
              target,
              amount_micros: request.amountMicros,
              expires_at: request.expiresAt,
            })),
          )
          .execute();
      return null;
    });
  }

  /**
   * Settles a reservation at the call's real cost: adds it to each budget's spend, debits the
   * payer with `debit` (once: its idempotency key), and drops the holds. Runs whether or not
   * the holds already expired, so what a call cost is always counted.
   */
  settle(request: {
    reservationId: string;
    budgets: readonly HeldBudget[];
    costMicros: number;
    debit: Movement | null;
  }): Promise<{ spends: SettledSpend[]; transaction: TransactionRow | null }> {
    return this.#db.transaction().execute(async (trx) => {
      const limits = await this.#lockBudgets(
        trx,
        request.budgets.map((b) => b.id),
      );
      const spends: SettledSpend[] = [];
      if (request.costMicros > 0)
        for (const budget of request.budgets) {
          if (!limits.has(budget.id)) continue;
          const after = await this.#budgets.addSpend(
            trx,
            budget.id,
            budget.periodStart,
            request.costMicros,
            budget.subject,
          );
          spends.push({ budgetId: budget.id, before: after - request.costMicros, after });
        }
      const transaction = request.debit ? await this.#ledger.applyIn(trx, request.debit) : null;
      await trx.deleteFrom("billing_holds").where("reservation_id", "=", request.reservationId).execute();
      return { spends, transaction };
    });
  }

  /** Drops holds that expired before `now` (their calls died); answers how many. */
  async sweep(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom("billing_holds")
      .where("expires_at", "<=", now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** A new reservation id. */
  newReservationId(): string {
    return newId();
  }

  /** Locks the budgets' rows in id order; answers the limits of those that still exist. */
  async #lockBudgets(trx: Kysely<BillingTables>, ids: readonly string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    let query = trx
      .selectFrom("billing_budgets")
      .select(["id", "limit_micros"])
      .where("id", "in", ids)
      .orderBy("id");
    if (this.#dialect === "postgres") query = query.forUpdate();
    const rows = await query.execute();
    return new Map(rows.map((r) => [r.id, r.limit_micros]));
  }
}
