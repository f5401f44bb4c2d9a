import { createHmac } from "node:crypto";
import type { StageContext } from "../../kernel/ai-stage.ts";
import type { BudgetRow } from "./budget.repository.ts";

/** What a per-IP budget counts calls without an address as: all of them together, so they stay capped. */
const NO_ADDRESS = "unknown";

/**
 * Whose share of budget `row` a call spends (ADR 0037): '' for a whole-scope budget; for a
 * per-visitor one the channel's subject (the widget visitor, the Telegram chat); for a per-IP one
 * a keyed pseudonym of the caller's address (`ip:` and 22 characters of HMAC-SHA256 under the
 * installation's `billing` key), so spend rows kept for months hold no address.
 * @example
 * subjectOf(row, ctx, secrets.key("billing")) // "", "v_0190…", or "ip:Xb3…"
 */
export function subjectOf(row: Pick<BudgetRow, "per">, ctx: StageContext, ipKey: Buffer): string {
  switch (row.per) {
    case "visitor":
      // Such a budget applies only through its channel, whose visitor is always known.
      return ctx.principal.channel?.subject ?? "";
    case "ip":
      return ipPseudonym(ctx.request.ip ?? NO_ADDRESS, ipKey);
    default:
      return "";
  }
}

/** The pseudonym an IP address is counted under. */
export function ipPseudonym(ip: string, key: Buffer): string {
  return `ip:${createHmac("sha256", key).update(ip).digest("base64url").slice(0, 22)}`;
}
