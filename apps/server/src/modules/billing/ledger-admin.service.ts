import type {
  AccountListQuery,
  AccountSummary,
  LedgerTransaction,
  Page,
  RefundRequest,
} from "@parley/contracts";
import { decodeCursor, encodeCursor } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import { assertGlobal } from "../../kernel/principal.ts";
import type { AuditSink, RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { ownerOf, toTransaction } from "./billing-view.ts";
import type { LedgerAdminRepository } from "./ledger-admin.repository.ts";
import type { LedgerRepository } from "./ledger.repository.ts";
import { auditMovement } from "./movement-audit.ts";

/**
 * What global admins (`billing:manage`) do beyond top-ups and adjustments: refund a movement and
 * list everyone's balances.
 */
export class LedgerAdminService {
  readonly #d: { admin: LedgerAdminRepository; ledger: LedgerRepository; audit: AuditSink; clock: Clock };
  constructor(deps: {
    admin: LedgerAdminRepository;
    ledger: LedgerRepository;
    audit: AuditSink;
    clock: Clock;
  }) {
    this.#d = deps;
  }

  /**
   * Refunds part or all of a top-up or a usage debit, once per idempotency key, audited as
   * `billing.refund` with the original.
   * @throws `billing.transaction_not_found`, `billing.not_refundable`, `billing.refund_too_large`.
   * @example await admin.refund({ transactionId, amountMicros: 500_000, reason: "double charge", idempotencyKey: "r1" }, ctx)
   */
  async refund(input: RefundRequest, ctx: RequestContext): Promise<LedgerTransaction> {
    assertGlobal(ctx, "billing:manage");
    const { row, original, created } = await this.#d.admin.refund({
      transactionId: input.transactionId,
      amountMicros: input.amountMicros,
      actorId: ctx.principal?.userId ?? null,
      reason: input.reason,
      idempotencyKey: `refund:${input.idempotencyKey}`,
      requestId: ctx.requestId,
      at: this.#d.clock.now(),
    });
    const account = await this.#d.ledger.byId(row.account_id);
    if (!account)
      throw new AppError("billing.transaction_not_found", `No transaction ${input.transactionId}`);
    const owner = ownerOf(account);
    if (created)
      await auditMovement(this.#d.audit, ctx, owner, row, {
        refundOf: original.id,
        refundedKind: original.kind,
        originalAmountMicros: original.amount_micros,
      });
    return toTransaction(row, owner);
  }

  /** Everyone's (or every team's) balance, by name; with `q` those whose name or e-mail match. */
  async accounts(query: AccountListQuery, ctx: RequestContext): Promise<Page<AccountSummary>> {
    assertGlobal(ctx, "billing:manage");
    const rows = await this.#d.admin.accounts(query.kind, {
      ...(query.q ? { q: query.q } : {}),
      limit: query.limit + 1,
      ...(query.cursor ? { after: decodeAfter(query.cursor) } : {}),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({
        account: { kind: query.kind, id: r.id },
        name: r.name,
        email: r.email,
        balanceMicros: r.balance_micros ?? 0,
        updatedAt: r.updated_at === null ? null : new Date(r.updated_at).toISOString(),
      })),
      nextCursor:
        rows.length > query.limit && last ? encodeCursor(JSON.stringify([last.name, last.id])) : null,
    };
  }
}

/** The (name, id) pair an accounts cursor carries. @throws `validation.failed`. */
function decodeAfter(cursor: string): { name: string; id: string } {
  try {
    const parsed = JSON.parse(decodeCursor(cursor)) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === "string" && typeof parsed[1] === "string")
      return { name: parsed[0], id: parsed[1] };
  } catch {
    // answered below
  }
  throw new AppError("validation.failed", "Invalid cursor", {
    details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
  });
}
