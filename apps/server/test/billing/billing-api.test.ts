import OpenAI from "openai";
import type { Balance, Budget, BudgetAlert, LedgerTransaction, Page } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { openSse } from "../chat/sse-client.ts";
import { checkoutEvent, postStripeEvent, pricedProviders, STRIPE_SECRET } from "./billing-support.ts";

const TEXT = "Budgets hold under load.";
let fake: FakeUpstream;
let h: Harness;

const balanceOf = async (token: string, query = "") =>
  (await h.call<Balance>("GET", `/api/v1/billing/balance${query}`, { token })).body;

async function keyFor(token: string, teamId?: string): Promise<OpenAI> {
  const created = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token,
    body: { name: "billing", permissions: ["ai:use"], ...(teamId ? { teamId } : {}) },
  });
  expect(created.status).toBe(201);
  return new OpenAI({ baseURL: `${h.url}/v1`, apiKey: created.body.key, maxRetries: 0 });
}

async function team(name: string, members: { id: string; role: string }[]): Promise<string> {
  const id = (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } }))
    .body.id;
  for (const m of members)
    await h.call("PUT", `/api/v1/teams/${id}/members/${m.id}`, {
      token: h.adminToken,
      body: { role: m.role },
    });
  return id;
}

const ask = (client: OpenAI, model = "fake/priced") =>
  client.chat.completions.create({
    model,
    messages: [{ role: "user", content: "hi" }],
    max_completion_tokens: 50,
  });

/** Where a shape keeps its state: embedded, or PostgreSQL with NATS and Redis in `namespace`. */
function shapeEnv(database: TestPostgres | null, namespace: string): Record<string, string> {
  return database
    ? {
        PARLEY_DATABASE_URL: database.url,
        PARLEY_NATS_URL: testServices.natsUrl,
        PARLEY_REDIS_URL: testServices.redisUrl,
        PARLEY_NAMESPACE: namespace,
        PARLEY_SECRET_KEY: "billing-api-secret-key-0123456789abcdef",
      }
    : {};
}

for (const shape of ["embedded", "distributed"] as const) {
  describe(`billing (${shape})`, () => {
    let database: TestPostgres | null = null;
    const namespace = uniqueId("billing");
    beforeAll(async () => {
      database = shape === "distributed" ? await createTestPostgres() : null;
      fake = await startFakeUpstream({ text: TEXT, chunks: 3, models: ["priced", "unpriced"] });
      h = await startHarness({
        PARLEY_PROVIDERS: pricedProviders(fake.url),
        PARLEY_BILLING_BALANCES: "enforce",
        PARLEY_STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
        PARLEY_RATE_LIMITS: JSON.stringify({
          admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
          developer: { apiPerMinute: 100000, aiPerMinute: 100000 },
        }),
        ...shapeEnv(database, namespace),
      });
    }, 120_000);
    afterAll(async () => {
      await h.stop();
      await fake.close();
      if (database) {
        await database.drop();
        await cleanupNamespace(namespace);
      }
    });

    describe("balances", () => {
      it("refuses an AI call on an empty balance with 402 budget.exceeded before calling the provider", async () => {
        const dev = await h.user("developer");
        const client = await keyFor(dev.token);
        const before = fake.requests.length;
        const error = await ask(client).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.APIError);
        const api = error as InstanceType<typeof OpenAI.APIError>;
        expect(api.status).toBe(402);
        expect(api.code).toBe("budget.exceeded");
        expect(api.type).toBe("insufficient_quota");
        expect(fake.requests.length).toBe(before);
      });

      it("fails a chat answer with budget.exceeded on an empty balance, before any provider call", async () => {
        const dev = await h.user("developer");
        const conv = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
          token: dev.token,
          body: { model: "fake/priced" },
        });
        const sse = await openSse(`${h.url}/api/v1/conversations/${conv.body.id}/events`, {
          authorization: `Bearer ${dev.token}`,
        });
        const before = fake.requests.length;
        const sent = await h.call("POST", `/api/v1/conversations/${conv.body.id}/messages`, {
          token: dev.token,
          body: { content: "hi" },
        });
        expect(sent.status).toBe(202);
        const events = await sse.until((list) => list.some((e) => e.event === "message.failed"));
        sse.close();
        const failed = events.find((e) => e.event === "message.failed");
        expect(failed?.data).toMatchObject({ error: { code: "budget.exceeded" } });
        expect(fake.requests.length).toBe(before);
      });

      it("debits a topped-up balance by exactly the metered cost, and the ledger says who and why", async () => {
        const dev = await h.user("developer");
        const topUp = await h.call<LedgerTransaction>("POST", "/api/v1/billing/top-ups", {
          token: h.adminToken,
          body: { account: { kind: "user", id: dev.id }, amountMicros: 1_000_000, reason: "welcome credit" },
        });
        expect(topUp.status).toBe(201);
        expect(topUp.body).toMatchObject({
          kind: "topup",
          amountMicros: 1_000_000,
          balanceAfterMicros: 1_000_000,
        });
        const answer = await ask(await keyFor(dev.token));
        const cost = (answer.usage?.prompt_tokens ?? 0) * 10 + (answer.usage?.completion_tokens ?? 0) * 20;
        expect(cost).toBeGreaterThan(0);
        const balance = await balanceOf(dev.token);
        expect(balance).toMatchObject({ balanceMicros: 1_000_000 - cost, heldMicros: 0, enforced: true });
        const ledger = await h.call<Page<LedgerTransaction>>("GET", "/api/v1/billing/transactions?limit=1", {
          token: dev.token,
        });
        expect(ledger.body.items[0]).toMatchObject({ kind: "usage", amountMicros: -cost, actorId: dev.id });
        expect(ledger.body.nextCursor).not.toBeNull();
        const next = await h.call<Page<LedgerTransaction>>(
          "GET",
          `/api/v1/billing/transactions?limit=1&cursor=${ledger.body.nextCursor}`,
          { token: dev.token },
        );
        expect(next.body.items[0]).toMatchObject({
          kind: "topup",
          reason: "welcome credit",
        });
        expect(next.body.items[0]?.actorId).not.toBeNull();
        expect(next.body.nextCursor).toBeNull();
      });

      it("puts top-ups in the audit chain", async () => {
        const dev = await h.user("developer");
        await h.call("POST", "/api/v1/billing/top-ups", {
          token: h.adminToken,
          body: { account: { kind: "user", id: dev.id }, amountMicros: 42, reason: "audited" },
        });
        const audit = await h.call<{ items: { action: string; summary: Record<string, unknown> }[] }>(
          "GET",
          "/api/v1/audit?action=billing.topup&limit=50",
          { token: h.adminToken },
        );
        expect(
          audit.body.items.some((e) => e.action === "billing.topup" && e.summary.amountMicros === 42),
        ).toBe(true);
      });

      it("answers 400 for a negative, zero, fractional or absurd top-up, and an adjustment of 0", async () => {
        const dev = await h.user("developer");
        for (const amountMicros of [-5, 0, 1.5, 1e15, Number.MAX_SAFE_INTEGER]) {
          const res = await h.call<{ error: { code: string } }>("POST", "/api/v1/billing/top-ups", {
            token: h.adminToken,
            body: { account: { kind: "user", id: dev.id }, amountMicros, reason: "bad" },
          });
          expect(res.status, String(amountMicros)).toBe(400);
          expect(res.body.error.code).toBe("validation.failed");
        }
        const zero = await h.call("POST", "/api/v1/billing/adjustments", {
          token: h.adminToken,
          body: { account: { kind: "user", id: dev.id }, amountMicros: 0, reason: "nothing" },
        });
        expect(zero.status).toBe(400);
        expect((await balanceOf(dev.token)).balanceMicros).toBe(0);
      });

      it("answers 400 for a negative or absurd model price", async () => {
        for (const price of [-1, 1e9]) {
          const res = await h.call<{ error: { code: string } }>("PATCH", "/api/v1/models/fake/priced", {
            token: h.adminToken,
            body: { inputPricePerMTok: price },
          });
          expect(res.status, String(price)).toBe(400);
        }
      });

      it("lets only global admins credit money: not developers, not team admins, not for their own team", async () => {
        const dev = await h.user("developer");
        const lead = await h.user("developer", "lead");
        const teamA = await team("Billing A", [{ id: lead.id, role: "admin" }]);
        const teamB = await team("Billing B", []);
        for (const [token, teamId] of [
          [dev.token, teamA],
          [lead.token, teamA],
          [lead.token, teamB],
        ] as const) {
          const res = await h.call("POST", "/api/v1/billing/top-ups", {
            token,
            body: { account: { kind: "team", id: teamId }, amountMicros: 100, reason: "mine" },
          });
          expect(res.status).toBe(403);
        }
        // A team admin reads their team's balance, not another team's.
        expect(
          (await h.call("GET", `/api/v1/billing/balance?teamId=${teamA}`, { token: lead.token })).status,
        ).toBe(200);
        expect(
          (await h.call("GET", `/api/v1/billing/balance?teamId=${teamB}`, { token: lead.token })).status,
        ).toBe(404);
        expect(
          (await h.call("GET", `/api/v1/billing/balance?userId=${dev.id}`, { token: lead.token })).status,
        ).toBe(403);
        const unknown = await h.call<{ error: { code: string } }>("POST", "/api/v1/billing/top-ups", {
          token: h.adminToken,
          body: { account: { kind: "team", id: "no-such-team" }, amountMicros: 100, reason: "ghost" },
        });
        expect(unknown.status).toBe(404);
        expect(unknown.body.error.code).toBe("billing.account_not_found");
      });

      // A server of its own (allowances are configuration), in the same shape.
      it("credits this month's role allowance once per account, on first use, however many ask at once", async () => {
        const allowanceDb = shape === "distributed" ? await createTestPostgres() : null;
        const allowanceNamespace = uniqueId("allowance");
        const withAllowance = await startHarness({
          PARLEY_PROVIDERS: pricedProviders(fake.url),
          PARLEY_BILLING_BALANCES: "enforce",
          PARLEY_BILLING_ALLOWANCES: JSON.stringify({ developer: 3_000 }),
          PARLEY_RATE_LIMITS: JSON.stringify({ developer: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
          ...shapeEnv(allowanceDb, allowanceNamespace),
        });
        try {
          const dev = await withAllowance.user("developer");
          const read = async () =>
            (await withAllowance.call<Balance>("GET", "/api/v1/billing/balance", { token: dev.token })).body;
          // 20 first reads at once: one credit.
          const first = await Promise.all(Array.from({ length: 20 }, read));
          expect(first.map((b) => b.balanceMicros)).toEqual(Array(20).fill(3_000));
          expect((await read()).balanceMicros).toBe(3_000);
          const ledger = await withAllowance.call<Page<LedgerTransaction>>(
            "GET",
            "/api/v1/billing/transactions",
            {
              token: dev.token,
            },
          );
          expect(ledger.body.items).toEqual([
            expect.objectContaining({ kind: "allowance", amountMicros: 3_000, actorId: null }),
          ]);
          expect(ledger.body.items[0]?.idempotencyKey).toMatch(/^allowance:.+:\d{4}-\d{2}$/);
          // The admin's role has none.
          expect(
            (
              await withAllowance.call<Balance>("GET", "/api/v1/billing/balance", {
                token: withAllowance.adminToken,
              })
            ).body.balanceMicros,
          ).toBe(0);
        } finally {
          await withAllowance.stop();
          await allowanceDb?.drop();
          if (allowanceDb) await cleanupNamespace(allowanceNamespace);
        }
      }, 60_000);
    });

    describe("the Stripe webhook", () => {
      it("credits a paid checkout exactly once: a replay answers 200 and credits nothing", async () => {
        const dev = await h.user("developer");
        const payload = checkoutEvent("evt_once", "cs_once", `user:${dev.id}`, 500);
        expect(await postStripeEvent(h.url, payload)).toEqual({
          status: 200,
          body: { received: true, credited: true },
        });
        expect(await postStripeEvent(h.url, payload)).toEqual({
          status: 200,
          body: { received: true, credited: false },
        });
        // Another event about the same checkout session credits nothing either.
        const again = checkoutEvent("evt_twice", "cs_once", `user:${dev.id}`, 500);
        expect((await postStripeEvent(h.url, again)).body).toEqual({ received: true, credited: false });
        expect((await balanceOf(dev.token)).balanceMicros).toBe(5_000_000);
      });

      it("credits once when the same event arrives many times at once", async () => {
        const dev = await h.user("developer");
        const payload = checkoutEvent("evt_burst", "cs_burst", `user:${dev.id}`, 250);
        const answers = await Promise.all(Array.from({ length: 10 }, () => postStripeEvent(h.url, payload)));
        expect(answers.every((a) => a.status === 200)).toBe(true);
        expect(answers.filter((a) => (a.body as { credited: boolean }).credited)).toHaveLength(1);
        expect((await balanceOf(dev.token)).balanceMicros).toBe(2_500_000);
      });

      it("rejects a badly signed or unsigned event with 400 and credits nothing", async () => {
        const dev = await h.user("developer");
        const payload = checkoutEvent("evt_forged", "cs_forged", `user:${dev.id}`, 100_000);
        const forged = await postStripeEvent(h.url, payload, "whsec_not_the_right_secret");
        expect(forged.status).toBe(400);
        expect(forged.body).toMatchObject({ error: { code: "billing.webhook_signature_invalid" } });
        const unsigned = await fetch(`${h.url}/api/v1/billing/stripe/webhook`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: payload,
        });
        expect(unsigned.status).toBe(400);
        // Signed, then changed on the way.
        const small = checkoutEvent("evt_small", "cs_small", `user:${dev.id}`, 100);
        const tampered = await postStripeEvent(
          h.url,
          small,
          STRIPE_SECRET,
          small.replace('"amount_total":100', '"amount_total":100000'),
        );
        expect(tampered.status).toBe(400);
        expect((await balanceOf(dev.token)).balanceMicros).toBe(0);
      });

      it("acknowledges other event types and refuses a checkout that names no account", async () => {
        const other = JSON.stringify({
          id: "evt_other",
          object: "event",
          type: "customer.created",
          data: { object: {} },
        });
        expect(await postStripeEvent(h.url, other)).toEqual({
          status: 200,
          body: { received: true, credited: false },
        });
        const anonymous = checkoutEvent("evt_anon", "cs_anon", "nobody", 100);
        const res = await postStripeEvent(h.url, anonymous);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ error: { code: "billing.webhook_event_invalid" } });
        const long = checkoutEvent("evt_long", "cs_long", `user:${"x".repeat(500)}`, 100);
        expect((await postStripeEvent(h.url, long)).status).toBe(400);
        const negative = checkoutEvent("evt_neg", "cs_neg", "user:x", -100);
        expect((await postStripeEvent(h.url, negative)).status).toBe(400);
        const euro = checkoutEvent("evt_eur", "cs_eur", "user:x", 100, { currency: "eur" });
        expect((await postStripeEvent(h.url, euro)).status).toBe(400);
      });
    });

    describe("budgets", () => {
      it("refuses a call its team budget cannot cover, and alerts the team's admins at 80% and 100%", async () => {
        const lead = await h.user("developer", "lead");
        const other = await h.user("developer", "outsider");
        const teamId = await team("Budgeted", [{ id: lead.id, role: "admin" }]);
        await h.call("POST", "/api/v1/billing/top-ups", {
          token: h.adminToken,
          body: { account: { kind: "team", id: teamId }, amountMicros: 10_000_000, reason: "team credit" },
        });
        const client = await keyFor(lead.token, teamId);
        // The prompt dominates the cost, so a call's maximum is close to what it really costs.
        const long = (c: OpenAI) =>
          c.chat.completions.create({
            model: "fake/priced",
            messages: [{ role: "user", content: "lorem ipsum dolor sit amet ".repeat(20) }],
            max_completion_tokens: 6,
          });
        const first = await long(client);
        const cost = (first.usage?.prompt_tokens ?? 0) * 10 + (first.usage?.completion_tokens ?? 0) * 20;
        const created = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
          token: lead.token,
          body: { scope: { kind: "team", id: teamId }, period: "day", limitMicros: Math.ceil(cost / 0.85) },
        });
        expect(created.status).toBe(201);
        expect((await long(client)).choices[0]?.message.content).toBe(TEXT);
        const before = fake.requests.length;
        const refused: unknown = await long(client).catch((e: unknown) => e);
        if (!(refused instanceof OpenAI.APIError)) throw new Error("the call was not refused");
        expect(refused.status).toBe(402);
        expect(refused.code).toBe("budget.exceeded");
        expect(fake.requests.length).toBe(before);
        const budget = await h.call<Budget>("GET", `/api/v1/billing/budgets/${created.body.id}`, {
          token: lead.token,
        });
        expect(budget.body).toMatchObject({ spentMicros: cost, heldMicros: 0 });
        const alerts = await h.call<{ items: BudgetAlert[] }>("GET", "/api/v1/billing/alerts", {
          token: lead.token,
        });
        const mine = alerts.body.items.filter((a) => a.budgetId === created.body.id);
        expect(mine.map((a) => a.threshold).sort()).toEqual([100, 80]);
        // Once per threshold and period.
        await long(client).catch(() => undefined);
        const again = await h.call<{ items: BudgetAlert[] }>("GET", "/api/v1/billing/alerts", {
          token: lead.token,
        });
        expect(again.body.items.filter((a) => a.budgetId === created.body.id)).toHaveLength(2);
        const none = await h.call<{ items: BudgetAlert[] }>("GET", "/api/v1/billing/alerts", {
          token: other.token,
        });
        expect(none.body.items.filter((a) => a.budgetId === created.body.id)).toEqual([]);
      });

      it("lets a team admin budget their own team only; budgets on people need a global admin", async () => {
        const lead = await h.user("developer", "lead");
        const dev = await h.user("developer");
        const teamA = await team("Budget A", [
          { id: lead.id, role: "admin" },
          { id: dev.id, role: "developer" },
        ]);
        const teamB = await team("Budget B", []);
        const body = (kind: string, id: string) => ({
          scope: { kind, id },
          period: "month",
          limitMicros: 1000,
        });
        expect(
          (await h.call("POST", "/api/v1/billing/budgets", { token: lead.token, body: body("team", teamB) }))
            .status,
        ).toBe(404);
        expect(
          (await h.call("POST", "/api/v1/billing/budgets", { token: lead.token, body: body("user", dev.id) }))
            .status,
        ).toBe(403);
        expect(
          (await h.call("POST", "/api/v1/billing/budgets", { token: dev.token, body: body("team", teamA) }))
            .status,
        ).toBe(403);
        const ok = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
          token: lead.token,
          body: body("team", teamA),
        });
        expect(ok.status).toBe(201);
        const dup = await h.call<{ error: { code: string } }>("POST", "/api/v1/billing/budgets", {
          token: lead.token,
          body: body("team", teamA),
        });
        expect(dup.status).toBe(409);
        expect(dup.body.error.code).toBe("budget.duplicate");
        const bad = await h.call("POST", "/api/v1/billing/budgets", {
          token: lead.token,
          body: { ...body("team", teamA), period: "week", limitMicros: -1 },
        });
        expect(bad.status).toBe(400);
        const userBudget = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
          token: h.adminToken,
          body: body("user", dev.id),
        });
        expect(userBudget.status).toBe(201);
        // The team admin sees their team's budget, not the person's.
        expect(
          (await h.call("GET", `/api/v1/billing/budgets/${userBudget.body.id}`, { token: lead.token }))
            .status,
        ).toBe(404);
        const patched = await h.call<Budget>("PATCH", `/api/v1/billing/budgets/${ok.body.id}`, {
          token: lead.token,
          body: { limitMicros: 2000 },
        });
        expect(patched.body.limitMicros).toBe(2000);
        expect(
          (await h.call("DELETE", `/api/v1/billing/budgets/${ok.body.id}`, { token: lead.token })).status,
        ).toBe(204);
      });

      it("leaves calls to an unpriced model outside budgets and balances", async () => {
        const dev = await h.user("developer");
        const answer = await ask(await keyFor(dev.token), "fake/unpriced");
        expect(answer.choices[0]?.message.content).toBe(TEXT);
        expect((await balanceOf(dev.token)).balanceMicros).toBe(0);
      });
    });
  });
}
