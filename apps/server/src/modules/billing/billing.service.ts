import type {
  AccountQuery,
  AccountRef,
  AdjustmentRequest,
  Balance,
  LedgerTransaction,
  Page,
  Role,
  TopUpRequest,
  TransactionKind,
  TransactionListQuery,
} from "@parley/contracts";
import { decodeCursor, encodeCursor } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import { assertGlobal, can, requirePrincipal, boundTeam } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import { monthKey } from "./budget-period.ts";
import { ownerOf, toBalance, toTransaction } from "./billing-view.ts";
import {
  accountTarget,
  type AccountRow,
  type LedgerRepository,
  type TransactionRow,
} from "./ledger.repository.ts";

/** Dependencies of the billing service. */
export interface BillingServiceDeps {
  ledger: LedgerRepository;
  audit: AuditSink;
  clock: Clock;
  /** Whether AI calls reserve against and debit the payer's balance. */
  enforceBalances: boolean;
  /** Micro-units credited once a month to a person's account, by global role. */
  allowances: Partial<Record<Role, number>>;
  /** Expires the unspent allowances of ended months of one account (before a new one is granted). */
  expireAllowances?: (accountId: string) => Promise<unknown>;
}

/** A credit or correction to write, with its audit. */
interface Credit {
  owner: AccountRef;
  kind: TransactionKind;
  amountMicros: number;
  reason: string;
  idempotencyKey: string | null;
}

/**
 * Balances and their ledger: reading one's own (or a team's), admins' top-ups and adjustments,
 * payment top-ups, monthly allowances. Every movement is audited; a usage debit goes into its
 * AI call's audit entry instead (the spend guard).
 */
export class BillingService {
  readonly #d: BillingServiceDeps;
  /** Accounts whose allowance of the month this process already saw credited. */
  readonly #allowanceSeen = new Set<string>();
  constructor(deps: BillingServiceDeps) {
    this.#d = deps;
  }

  get enforceBalances(): boolean {
    return this.#d.enforceBalances;
  }

  /** The caller's balance, or a team's (members with `billing:read` there), or anyone's (`billing:manage`). */
  async balance(query: AccountQuery, ctx: RequestContext): Promise<Balance> {
    const owner = this.#readable(query, ctx);
    const account = await this.account(owner);
    // The allowance of the reader's own role, on their own account only.
    if (owner.kind === "user" && owner.id === ctx.principal?.userId) {
      await this.#d.expireAllowances?.(account.id);
      await this.grantAllowance(account, ctx);
    }
    const fresh = (await this.#d.ledger.byId(account.id)) ?? account;
    const held = await this.#d.ledger.heldNow(accountTarget(account.id), this.#d.clock.now());
    return toBalance(fresh, held, this.#d.enforceBalances);
  }

  /** A page of an account's movements, newest first. */
  async transactions(query: TransactionListQuery, ctx: RequestContext): Promise<Page<LedgerTransaction>> {
    const owner = this.#readable(query, ctx);
    const account = await this.account(owner);
    const after = query.cursor ? decodeAfter(query.cursor) : undefined;
    const rows = await this.#d.ledger.list(account.id, query.limit + 1, after, {
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.from ? { from: Date.parse(query.from) } : {}),
      ...(query.to ? { to: Date.parse(query.to) } : {}),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => toTransaction(r, owner)),
      nextCursor: rows.length > query.limit && last ? encodeCursor(JSON.stringify([last.at, last.id])) : null,
    };
  }

  /** Credits an account (global `billing:manage`). @throws `billing.account_not_found`. */
  async topUp(input: TopUpRequest, ctx: RequestContext): Promise<LedgerTransaction> {
    assertGlobal(ctx, "billing:manage");
    return this.#credit(
      {
        owner: input.account,
        kind: "topup",
        amountMicros: input.amountMicros,
        reason: input.reason,
        idempotencyKey: keyed("topup", input.idempotencyKey),
      },
      ctx,
    );
  }

  /** A signed correction (global `billing:manage`). @throws `billing.account_not_found`. */
  async adjust(input: AdjustmentRequest, ctx: RequestContext): Promise<LedgerTransaction> {
    assertGlobal(ctx, "billing:manage");
    return this.#credit(
      {
        owner: input.account,
        kind: "adjustment",
        amountMicros: input.amountMicros,
        reason: input.reason,
        idempotencyKey: keyed("adjustment", input.idempotencyKey),
      },
      ctx,
    );
  }

  /**
   * A payment provider's top-up, credited once per `idempotencyKey` (Parley acts: no user).
   * Answers whether this call credited it.
   */
  async creditPayment(
    payment: { owner: AccountRef; amountMicros: number; reason: string; idempotencyKey: string },
    ctx: RequestContext,
  ): Promise<{ transaction: LedgerTransaction; credited: boolean }> {
    const { row, created } = await this.#apply({ ...payment, kind: "topup" }, ctx);
    return { transaction: toTransaction(row, payment.owner), credited: created };
  }

  /** The account of `owner`, made on first use. @throws `billing.account_not_found` for no such user or team. */
  async account(owner: AccountRef): Promise<AccountRow> {
    try {
      return await this.#d.ledger.account(owner, this.#d.clock.now());
    } catch (error) {
      if (isForeignKeyViolation(error))
        throw new AppError("billing.account_not_found", `No ${owner.kind} ${owner.id}`, { cause: error });
      throw error;
    }
  }

  /**
   * Credits this month's allowance of the caller's global role to their own account, once per
   * account and month (`allowance:<account>:<yyyy-mm>`, whichever pod gets there first).
   */
  async grantAllowance(account: AccountRow, ctx: RequestContext): Promise<void> {
    const role = ctx.principal?.globalRole;
    const amount = role ? (this.#d.allowances[role] ?? 0) : 0;
    if (amount <= 0 || account.user_id === null) return;
    const key = `allowance:${account.id}:${monthKey(this.#d.clock.now())}`;
    if (this.#allowanceSeen.has(key)) return;
    await this.#apply(
      {
        owner: ownerOf(account),
        kind: "allowance",
        amountMicros: amount,
        reason: `Monthly allowance (${role})`,
        idempotencyKey: key,
      },
      { ...ctx, principal: null, system: true },
    );
    this.#allowanceSeen.add(key);
  }

  async #credit(credit: Credit, ctx: RequestContext): Promise<LedgerTransaction> {
    return toTransaction((await this.#apply(credit, ctx)).row, credit.owner);
  }

  /** Writes a movement once and audits it when it was new. */
  async #apply(credit: Credit, ctx: RequestContext): Promise<{ row: TransactionRow; created: boolean }> {
    const account = await this.account(credit.owner);
    const result = await this.#d.ledger.apply({
      accountId: account.id,
      kind: credit.kind,
      amountMicros: credit.amountMicros,
      actorId: ctx.principal?.userId ?? null,
      reason: credit.reason,
      idempotencyKey: credit.idempotencyKey,
      requestId: ctx.requestId,
      at: this.#d.clock.now(),
    });
    if (result.created)
      await this.#d.audit.record({
        action: `billing.${credit.kind}`,
        outcome: "success",
        ...auditOrigin(ctx),
        target: { type: "billing_account", id: account.id },
        teamId: credit.owner.kind === "team" ? credit.owner.id : null,
        summary: {
          transactionId: result.row.id,
          account: credit.owner,
          amountMicros: credit.amountMicros,
          balanceAfterMicros: result.row.balance_after_micros,
          reason: credit.reason,
          idempotencyKey: credit.idempotencyKey,
        },
      });
    return result;
  }

  /**
   * Whose account a read names, if the caller may read it: a team's for `billing:read` there
   * (global admins across teams), someone else's for a global `billing:manage`, else one's own
   * (a team-bound key's own is its team's, as its calls are metered to it).
   */
  #readable(query: AccountQuery, ctx: RequestContext): AccountRef {
    const principal = requirePrincipal(ctx);
    if (query.teamId && query.userId)
      throw new AppError("validation.failed", "Name a team or a user, not both", {
        details: { issues: [{ location: "query", path: "userId", message: "cannot be given with teamId" }] },
      });
    const teamId = query.teamId ?? (query.userId ? undefined : boundTeam(principal)) ?? undefined;
    if (teamId) {
      if (can(principal, "billing:read", teamId)) return { kind: "team", id: teamId };
      const keyTeam = boundTeam(principal);
      if (!principal.teams.has(teamId) || (keyTeam && keyTeam !== teamId))
        throw new AppError("team.not_found", `No team ${teamId}`);
      throw new AppError("auth.forbidden", "Reading this team's balance needs the billing:read permission", {
        details: { permission: "billing:read" },
      });
    }
    if (query.userId && query.userId !== principal.userId) {
      assertGlobal(ctx, "billing:manage");
      return { kind: "user", id: query.userId };
    }
    assertGlobal(ctx, "billing:read");
    return { kind: "user", id: principal.userId };
  }
}

/** A client's idempotency key, namespaced so it cannot collide with Parley's own. */
function keyed(kind: string, key: string | undefined): string | null {
  return key === undefined ? null : `${kind}:${key}`;
}

/** The (at, id) pair a transactions cursor carries. @throws `validation.failed`. */
function decodeAfter(cursor: string): { at: number; id: string } {
  try {
    const parsed = JSON.parse(decodeCursor(cursor)) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === "number" && typeof parsed[1] === "string")
      return { at: parsed[0], id: parsed[1] };
  } catch {
    // answered below
  }
  throw new AppError("validation.failed", "Invalid cursor", {
    details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
  });
}
