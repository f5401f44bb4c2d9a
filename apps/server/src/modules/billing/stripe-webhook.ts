import Stripe from "stripe";
import { z } from "zod";
import { MAX_AMOUNT_MICROS, type AccountRef } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { systemContext, type RequestContext } from "../../kernel/request-context.ts";
import type { BillingService } from "./billing.service.ts";

/** The checkout events that complete a payment; others are acknowledged and ignored. */
const PAID_EVENTS = new Set(["checkout.session.completed", "checkout.session.async_payment_succeeded"]);

/** Micro-units per cent: the price table is in US dollars, Stripe counts cents. */
const MICROS_PER_CENT = 10_000;

/**
 * What Parley reads of a Checkout Session: its id, amount, currency, payment status, and the
 * account it pays for, in `metadata.parley_account` as `user:<id>` or `team:<id>` (set when the
 * session is created).
 */
const PaidSession = z.object({
  id: z.string().min(1),
  amount_total: z
    .number()
    .int()
    .positive()
    .max(MAX_AMOUNT_MICROS / MICROS_PER_CENT),
  currency: z.literal("usd"),
  payment_status: z.string(),
  metadata: z.object({
    parley_account: z.string().regex(/^(user|team):[^\s:]{1,100}$/, "must be user:<id> or team:<id>"),
  }),
});

/** `user:<id>` or `team:<id>` (already checked by {@link PaidSession}) as an account. */
function accountOf(value: string): AccountRef {
  const [kind, id] = value.split(":");
  return { kind: kind === "team" ? "team" : "user", id: id ?? "" };
}

/** What the webhook did with an event. */
export interface WebhookOutcome {
  received: true;
  /** True only the first time a payment is credited. */
  credited: boolean;
}

/**
 * Stripe's webhook: the raw body's signature verified with the official `stripe` package against
 * the endpoint's signing secret (and its timestamp tolerance, five minutes), then a paid Checkout
 * Session credited to the account its metadata names, once per session: a replayed or repeated
 * event answers 200 and credits nothing.
 */
export class StripeWebhook {
  readonly #billing: BillingService;
  readonly #secret: string | undefined;
  constructor(deps: { billing: BillingService; secret: string | undefined }) {
    this.#billing = deps.billing;
    this.#secret = deps.secret;
  }

  /** @throws `billing.webhook_disabled`, `billing.webhook_signature_invalid`, `billing.webhook_event_invalid`, `billing.account_not_found`. */
  async receive(
    rawBody: Buffer,
    signature: string | undefined,
    ctx: RequestContext,
  ): Promise<WebhookOutcome> {
    if (!this.#secret) throw new AppError("billing.webhook_disabled", "No payment webhook is configured");
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature ?? "", this.#secret);
    } catch (error) {
      throw new AppError("billing.webhook_signature_invalid", "The Stripe-Signature header does not verify", {
        cause: error,
      });
    }
    if (!PAID_EVENTS.has(event.type)) return { received: true, credited: false };
    const parsed = PaidSession.safeParse(event.data.object);
    if (!parsed.success)
      throw new AppError(
        "billing.webhook_event_invalid",
        "The checkout session names no Parley account, or is not in USD",
        {
          details: { eventId: event.id, issues: parsed.error.issues.map((i) => i.path.join(".")) },
        },
      );
    const session = parsed.data;
    // Completed but not yet paid (a bank transfer): its async_payment_succeeded event credits it.
    if (session.payment_status !== "paid") return { received: true, credited: false };
    const { credited } = await this.#billing.creditPayment(
      {
        owner: accountOf(session.metadata.parley_account),
        amountMicros: session.amount_total * MICROS_PER_CENT,
        reason: `Stripe checkout ${session.id} (event ${event.id})`,
        idempotencyKey: `stripe:checkout:${session.id}`,
      },
      { ...systemContext, requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent },
    );
    return { received: true, credited };
  }
}
