import type { AccountRef } from "@parley/contracts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { TransactionRow } from "./ledger.repository.ts";

/**
 * Audits a new ledger movement as `billing.<kind>` on its account, with who, why and the
 * balance after (the same entry top-ups and adjustments write).
 * @example await auditMovement(audit, ctx, { kind: "user", id }, row, { refundOf: original.id });
 */
export async function auditMovement(
  audit: AuditSink,
  ctx: RequestContext,
  owner: AccountRef,
  row: TransactionRow,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await audit.record({
    action: `billing.${row.kind}`,
    outcome: "success",
    ...auditOrigin(ctx),
    target: { type: "billing_account", id: row.account_id },
    teamId: owner.kind === "team" ? owner.id : null,
    summary: {
      transactionId: row.id,
      account: owner,
      amountMicros: row.amount_micros,
      balanceAfterMicros: row.balance_after_micros,
      reason: row.reason,
      idempotencyKey: row.idempotency_key,
      ...extra,
    },
  });
}
