import { defineErrors } from "../../kernel/define-errors.ts";

/** The billing module's codes. */
export const billingErrors = defineErrors({
  // Payment Required: nothing was sent to a provider; the caller raises the budget or tops up.
  "budget.exceeded": { status: 402, expose: true },
  "budget.not_found": { status: 404, expose: true },
  // Not an assistant, widget, bot or API key of the caller's teams: whether it exists is not told.
  "budget.scope_not_found": { status: 404, expose: true },
  "budget.duplicate": { status: 409, expose: true },
  "billing.account_not_found": { status: 404, expose: true },
  "billing.webhook_disabled": { status: 404, expose: true },
  "billing.webhook_signature_invalid": { status: 400, expose: true },
  "billing.webhook_event_invalid": { status: 400, expose: true },
  "billing.transaction_not_found": { status: 404, expose: true },
  // Conflicts with the ledger as it stands: the movement is not of a kind refunded, or too little is left.
  "billing.not_refundable": { status: 409, expose: true },
  "billing.refund_too_large": { status: 409, expose: true },
});
