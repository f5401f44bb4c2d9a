import { sql, type Kysely } from "kysely";
import type { AccountKind } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { IdentityTables } from "../identity/index.ts";
import type { BillingTables } from "./billing.tables.ts";
import { accountTarget, type LedgerRepository, type TransactionRow } from "./ledger.repository.ts";

type Tables = BillingTables & Pick<IdentityTables, "users" | "teams">;

/** Kinds of movement a refund may give back: a top-up (debits it back) or a usage debit (credits it). */
export const REFUNDABLE = new Set(["topup", "usage"]);

/** A refund to write: of `original`, `amountMicros` or (undefined) all that is left. */
export interface RefundMovement {
  transactionId: string;
  amountMicros: number | undefined;
  actorId: string | null;
  reason: string;
  idempotencyKey: string;
  requestId: string | null;
  at: number;
}

/** One row of the accounts list: a person or a team with their balance. */
export interface AccountListRow {
  id: string;
  name: string;
  email: string | null;
  balance_micros: number | null;
  updated_at: number | null;
}

/**
 * Refunds, allowance expiry and the accounts list: the ledger's movements that read other
 * movements (or other modules' names) before they write, each in one transaction that locks the
 * account's row first, like every movement (ADR 0032).
 */
export class LedgerAdminRepository {
  readonly #db: Kysely<BillingTables>;
  /** With the people's and teams' names, for the accounts list only. */
  readonly #named: Kysely<Tables>;
  readonly #ledger: LedgerRepository;
  constructor(database: Pick<Database, "db">, ledger: LedgerRepository) {
    this.#db = tablesOf<BillingTables>(database.db);
    this.#named = tablesOf<Tables>(database.db);
    this.#ledger = ledger;
  }

  /** A movement by id. */
  transaction(id: string): Promise<TransactionRow | undefined> {
    return this.#db.selectFrom("billing_transactions").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * Refunds part or all of a top-up or usage debit, once per idempotency key, never more than is
   * left of it (nor, for a top-up, more than its account has free: what was spent stays spent).
   * @throws `billing.transaction_not_found`, `billing.not_refundable`, `billing.refund_too_large`.
   */
  async refund(
    refund: RefundMovement,
  ): Promise<{ row: TransactionRow; original: TransactionRow; created: boolean }> {
    const original = await this.transaction(refund.transactionId);
    if (!original)
      throw new AppError("billing.transaction_not_found", `No transaction ${refund.transactionId}`);
    if (!REFUNDABLE.has(original.kind))
      throw new AppError(
        "billing.not_refundable",
        `A ${original.kind} is not refunded; adjust the balance instead`,
        {
          details: { kind: original.kind },
        },
      );
    const earlier = (db?: Kysely<BillingTables>) => this.#byKey(refund.idempotencyKey, db);
    try {
      return await this.#db.transaction().execute(async (trx) => {
        // Within the transaction: SQLite lends its one connection to it until it ends.
        const seen = await earlier(trx);
        if (seen) return { row: seen, original, created: false };
        const account = await this.#ledger.lockAccount(trx, original.account_id);
        if (!account) throw new AppError("billing.transaction_not_found", `No transaction ${original.id}`);
        const refunded = await this.refundedOf(trx, original.id);
        let left = Math.abs(original.amount_micros) - refunded;
        // Giving back a top-up takes money out: only what the account has free.
        if (original.amount_micros > 0) {
          const held = await this.#ledger.held(trx, accountTarget(account.id), refund.at);
          left = Math.min(left, Math.max(0, account.balance_micros - held));
        }
        const amount = refund.amountMicros ?? left;
        if (amount <= 0 || amount > left)
          throw new AppError(
            "billing.refund_too_large",
            left <= 0
              ? "Nothing is left to refund of this transaction"
              : `At most ${left} micro-units can be refunded of this transaction`,
            { details: { refundableMicros: Math.max(0, left) } },
          );
        const row = await this.#ledger.applyIn(trx, {
          accountId: account.id,
          kind: "refund",
          amountMicros: original.amount_micros > 0 ? -amount : amount,
          actorId: refund.actorId,
          reason: refund.reason,
          idempotencyKey: refund.idempotencyKey,
          requestId: refund.requestId,
          refundOf: original.id,
          at: refund.at,
        });
        return { row, original, created: true };
      });
    } catch (error) {
      // The same key from another request between our check and our insert: answer its row.
      const seen = isUniqueViolation(error) ? await earlier() : undefined;
      if (seen) return { row: seen, original, created: false };
      throw error;
    }
  }

  /** Micro-units already refunded of movement `id` (a positive number). */
  async refundedOf(db: Kysely<BillingTables>, id: string): Promise<number> {
    const row = await db
      .selectFrom("billing_transactions")
      .select((eb) =>
        eb.fn.coalesce(eb.fn.sum<string | number>("amount_micros"), sql<string | number>`0`).as("total"),
      )
      .where("refund_of", "=", id)
      .executeTakeFirstOrThrow();
    return Math.abs(Number(row.total));
  }

  /**
   * Allowances of months that ended before `monthStart` and have no expiry yet (at most `limit`;
   * of one account with `accountId`).
   */
  pendingExpiries(monthStart: number, limit: number, accountId?: string): Promise<TransactionRow[]> {
    let query = this.#db
      .selectFrom("billing_transactions as a")
      .leftJoin("billing_transactions as e", (join) =>
        join.on("e.idempotency_key", "=", sql<string>`replace(a.idempotency_key, 'allowance:', 'expiry:')`),
      )
      .selectAll("a")
      .where("a.kind", "=", "allowance")
      .where("a.at", "<", monthStart)
      .where("e.id", "is", null)
      .orderBy("a.at")
      .limit(limit);
    if (accountId) query = query.where("a.account_id", "=", accountId);
    return query.execute();
  }

  /**
   * Expires what is left of a month's allowance, once (`expiry:<account>:<yyyy-mm>`), in one
   * transaction: usage that month is taken from the allowance first, so what expires is the
   * allowance less that month's net usage, never more than the balance holds. A crash before the
   * commit leaves nothing behind and the next sweep does it; a row of 0 records "nothing left".
   */
  async expireAllowance(
    allowance: TransactionRow,
    period: { start: number; end: number; month: string },
    at: number,
  ): Promise<{ row: TransactionRow; created: boolean }> {
    const key = `expiry:${allowance.account_id}:${period.month}`;
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const seen = await this.#byKey(key, trx);
        if (seen) return { row: seen, created: false };
        const account = await this.#ledger.lockAccount(trx, allowance.account_id);
        const used = await trx
          .selectFrom("billing_transactions")
          .select((eb) =>
            eb.fn.coalesce(eb.fn.sum<string | number>("amount_micros"), sql<string | number>`0`).as("total"),
          )
          .where("account_id", "=", allowance.account_id)
          .where("at", ">=", period.start)
          .where("at", "<", period.end)
          // Usage debits, less the refunds of usage (credits) that month.
          .where((eb) =>
            eb.or([
              eb("kind", "=", "usage"),
              eb.and([eb("kind", "=", "refund"), eb("amount_micros", ">", 0)]),
            ]),
          )
          .executeTakeFirstOrThrow();
        const spent = Math.max(0, -Number(used.total));
        const left = Math.max(0, Math.min(allowance.amount_micros - spent, account?.balance_micros ?? 0));
        const row = await this.#ledger.applyIn(trx, {
          accountId: allowance.account_id,
          kind: "expiry",
          amountMicros: -left,
          actorId: null,
          reason: `Unspent allowance of ${period.month} expired`,
          idempotencyKey: key,
          requestId: null,
          at,
        });
        return { row, created: true };
      });
    } catch (error) {
      const seen = isUniqueViolation(error) ? await this.#byKey(key) : undefined;
      if (seen) return { row: seen, created: false };
      throw error;
    }
  }

  /**
   * People or teams by name (then id), with their balance if they have an account, after the
   * (name, id) pair `after`; `q` matches part of a name or e-mail.
   */
  accounts(
    kind: AccountKind,
    options: { q?: string; limit: number; after?: { name: string; id: string } },
  ): Promise<AccountListRow[]> {
    const like = options.q ? `%${options.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const after = options.after;
    if (kind === "user") {
      let query = this.#named
        .selectFrom("users as u")
        .leftJoin("billing_accounts as b", "b.user_id", "u.id")
        .select(["u.id as id", "u.name as name", "u.email as email", "b.balance_micros", "b.updated_at"])
        .orderBy("u.name")
        .orderBy("u.id")
        .limit(options.limit);
      if (like)
        query = query.where((eb) =>
          eb.or([
            eb(sql`lower(u.name)`, "like", sql`${like} escape '\\'`),
            eb(sql`lower(u.email)`, "like", sql`${like} escape '\\'`),
          ]),
        );
      if (after)
        query = query.where((eb) =>
          eb.or([
            eb("u.name", ">", after.name),
            eb.and([eb("u.name", "=", after.name), eb("u.id", ">", after.id)]),
          ]),
        );
      return query.execute();
    }
    let query = this.#named
      .selectFrom("teams as t")
      .leftJoin("billing_accounts as b", "b.team_id", "t.id")
      .select([
        "t.id as id",
        "t.name as name",
        sql<null>`null`.as("email"),
        "b.balance_micros",
        "b.updated_at",
      ])
      .orderBy("t.name")
      .orderBy("t.id")
      .limit(options.limit);
    if (like) query = query.where(sql`lower(t.name)`, "like", sql`${like} escape '\\'`);
    if (after)
      query = query.where((eb) =>
        eb.or([
          eb("t.name", ">", after.name),
          eb.and([eb("t.name", "=", after.name), eb("t.id", ">", after.id)]),
        ]),
      );
    return query.execute();
  }

  #byKey(key: string, db: Kysely<BillingTables> = this.#db): Promise<TransactionRow | undefined> {
    return db
      .selectFrom("billing_transactions")
      .selectAll()
      .where("idempotency_key", "=", key)
      .executeTakeFirst();
  }
}
