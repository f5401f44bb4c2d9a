import { sql, type Kysely, type Transaction } from "kysely";
import type { AccountRef, TransactionKind } from "@parley/contracts";
import { newId } from "../../kernel/ids.ts";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import { isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import type { BillingAccountsTable, BillingTables, BillingTransactionsTable } from "./billing.tables.ts";

export type AccountRow = BillingAccountsTable;
export type TransactionRow = BillingTransactionsTable;

/** A movement to write: signed micro-units, with who, why and its idempotency key. */
export interface Movement {
  accountId: string;
  kind: TransactionKind;
  amountMicros: number;
  actorId: string | null;
  reason: string;
  idempotencyKey: string | null;
  requestId: string | null;
  /** A refund's original movement. */
  refundOf?: string | null;
  at: number;
}

/** The hold target of an account's balance, in `billing_holds`. */
export const accountTarget = (accountId: string) => `account:${accountId}`;

/**
 * Accounts and the ledger. Every balance change is one transaction that locks the account's row
 * (PostgreSQL `FOR UPDATE`; SQLite has one writer and Kysely lends its connection to one
 * transaction at a time), so the balance always equals the sum of its account's movements.
 */
export class LedgerRepository {
  readonly #db: Kysely<BillingTables>;
  readonly #dialect: Database["dialect"];
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#db = tablesOf<BillingTables>(database.db);
    this.#dialect = database.dialect;
  }

  /** The account of `owner`, made on first use. Throws a foreign-key violation for no such owner. */
  async account(owner: AccountRef, now: number): Promise<AccountRow> {
    const column = owner.kind === "user" ? "user_id" : "team_id";
    const found = await this.#db
      .selectFrom("billing_accounts")
      .selectAll()
      .where(column, "=", owner.id)
      .executeTakeFirst();
    if (found) return found;
    await this.#db
      .insertInto("billing_accounts")
      .values({
        id: newId(),
        user_id: owner.kind === "user" ? owner.id : null,
        team_id: owner.kind === "team" ? owner.id : null,
        balance_micros: 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column(column).doNothing())
      .execute();
    return this.#db
      .selectFrom("billing_accounts")
      .selectAll()
      .where(column, "=", owner.id)
      .executeTakeFirstOrThrow();
  }

  /** The account with id `id`, if any. */
  byId(id: string): Promise<AccountRow | undefined> {
    return this.#db.selectFrom("billing_accounts").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * Applies `movement` once: a movement whose idempotency key is already in the ledger is not
   * applied again, and the earlier one is answered (`created: false`).
   */
  async apply(movement: Movement): Promise<{ row: TransactionRow; created: boolean }> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const earlier = await this.#byKey(trx, movement.idempotencyKey);
        if (earlier) return { row: earlier, created: false };
        return { row: await this.applyIn(trx, movement), created: true };
      });
    } catch (error) {
      // Another pod applied the same key between our check and our insert: answer its row.
      const earlier = isUniqueViolation(error)
        ? await this.#byKey(this.#db, movement.idempotencyKey)
        : undefined;
      if (earlier) return { row: earlier, created: false };
      throw error;
    }
  }

  /** Within `trx`: locks the account, changes its balance and writes the movement. */
  async applyIn(trx: Kysely<BillingTables>, movement: Movement): Promise<TransactionRow> {
    await this.lockAccount(trx, movement.accountId);
    const updated = await trx
      .updateTable("billing_accounts")
      .set({
        balance_micros: sql<number>`balance_micros + ${movement.amountMicros}`,
        updated_at: movement.at,
      })
      .where("id", "=", movement.accountId)
      .returning("balance_micros")
      .executeTakeFirstOrThrow();
    const row: TransactionRow = {
      id: newId(),
      account_id: movement.accountId,
      kind: movement.kind,
      amount_micros: movement.amountMicros,
      balance_after_micros: updated.balance_micros,
      actor_id: movement.actorId,
      reason: movement.reason,
      idempotency_key: movement.idempotencyKey,
      request_id: movement.requestId,
      refund_of: movement.refundOf ?? null,
      at: movement.at,
    };
    await trx.insertInto("billing_transactions").values(row).execute();
    return row;
  }

  /** Within a transaction: the account's row, locked until it ends (PostgreSQL). */
  async lockAccount(trx: Kysely<BillingTables>, accountId: string): Promise<AccountRow | undefined> {
    let query = trx.selectFrom("billing_accounts").selectAll().where("id", "=", accountId);
    if (this.#dialect === "postgres") query = query.forUpdate();
    return query.executeTakeFirst();
  }

  /** Micro-units held on `target` by holds that have not expired at `now`. */
  async held(db: Kysely<BillingTables>, target: string, now: number): Promise<number> {
    const row = await db
      .selectFrom("billing_holds")
      .select((eb) =>
        eb.fn.coalesce(eb.fn.sum<string | number>("amount_micros"), sql<string | number>`0`).as("held"),
      )
      .where("target", "=", target)
      .where("expires_at", ">", now)
      .executeTakeFirstOrThrow();
    return Number(row.held);
  }

  /** {@link held} outside any transaction. */
  heldNow(target: string, now: number): Promise<number> {
    return this.held(this.#db, target, now);
  }

  /**
   * {@link held} of many targets at once, in one query: by target, those holding nothing absent.
   * @example
   * await ledger.heldByTarget(["budget:b1", "budget:b2:v_1"], now) // Map { "budget:b1" => 1200 }
   */
  async heldByTarget(targets: readonly string[], now: number): Promise<Map<string, number>> {
    if (!targets.length) return new Map();
    const rows = await this.#db
      .selectFrom("billing_holds")
      .select((eb) => ["target", eb.fn.sum<string | number>("amount_micros").as("held")])
      .where("target", "in", [...new Set(targets)])
      .where("expires_at", ">", now)
      .groupBy("target")
      .execute();
    return new Map(rows.map((r) => [r.target, Number(r.held)]));
  }

  /**
   * A page of an account's movements, newest first, after the (at, id) pair `after`, of one
   * kind and in [from, to) when given.
   */
  list(
    accountId: string,
    limit: number,
    after?: { at: number; id: string },
    filter: { kind?: TransactionKind; from?: number; to?: number } = {},
  ): Promise<TransactionRow[]> {
    let query = this.#db
      .selectFrom("billing_transactions")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(limit);
    if (filter.kind) query = query.where("kind", "=", filter.kind);
    if (filter.from !== undefined) query = query.where("at", ">=", filter.from);
    if (filter.to !== undefined) query = query.where("at", "<", filter.to);
    if (after)
      query = query.where((eb) =>
        eb.or([eb("at", "<", after.at), eb.and([eb("at", "=", after.at), eb("id", "<", after.id)])]),
      );
    return query.execute();
  }

  /** The sum of an account's movements of `kind` (tests and reconciliation). */
  async sum(accountId: string, kind?: TransactionKind): Promise<number> {
    let query = this.#db
      .selectFrom("billing_transactions")
      .select((eb) =>
        eb.fn.coalesce(eb.fn.sum<string | number>("amount_micros"), sql<string | number>`0`).as("total"),
      )
      .where("account_id", "=", accountId);
    if (kind) query = query.where("kind", "=", kind);
    return Number((await query.executeTakeFirstOrThrow()).total);
  }

  async #byKey(db: Kysely<BillingTables> | Transaction<BillingTables>, key: string | null) {
    if (key === null) return undefined;
    return db
      .selectFrom("billing_transactions")
      .selectAll()
      .where("idempotency_key", "=", key)
      .executeTakeFirst();
  }
}
