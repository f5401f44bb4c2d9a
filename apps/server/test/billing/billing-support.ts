import Stripe from "stripe";

/** The webhook signing secret the billing tests configure. */
export const STRIPE_SECRET = "whsec_parley_test_0123456789abcdef";

/** `PARLEY_PROVIDERS` with one priced model, `fake/priced` (10 in, 20 out per million tokens). */
export function pricedProviders(fakeUrl: string): string {
  return JSON.stringify([
    {
      id: "fake",
      name: "Fake",
      type: "openai-compatible",
      baseURL: `${fakeUrl}/v1`,
      models: [{ id: "priced", inputPricePerMTok: 10, outputPricePerMTok: 20 }, "unpriced"],
    },
  ]);
}

/** A Stripe `checkout.session.completed` event paying `cents` into `account` (`user:<id>`). */
export function checkoutEvent(
  eventId: string,
  sessionId: string,
  account: string,
  cents: number,
  overrides: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    id: eventId,
    object: "event",
    api_version: "2025-10-29.clover",
    created: Math.floor(Date.now() / 1000),
    type: "checkout.session.completed",
    data: {
      object: {
        id: sessionId,
        object: "checkout.session",
        amount_total: cents,
        currency: "usd",
        payment_status: "paid",
        metadata: { parley_account: account },
        ...overrides,
      },
    },
  });
}

/** Posts `payload` to Parley's Stripe webhook, signed by the `stripe` package with `secret`. */
export async function postStripeEvent(
  baseUrl: string,
  payload: string,
  secret = STRIPE_SECRET,
  /** What is sent instead of the signed payload (a body changed on the way). */
  sent = payload,
): Promise<{ status: number; body: unknown }> {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  const res = await fetch(`${baseUrl}/api/v1/billing/stripe/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": signature },
    body: sent,
  });
  return { status: res.status, body: await res.json() };
}
