import type {
  Budget,
  BudgetAlert,
  ErrorEnvelope,
  VisitorConversationWithMessages,
  VisitorExchange,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pricedProviders } from "../billing/billing-support.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { eventually } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { publish, visitor, visitorCall, widgetTeam } from "./widget-support.ts";

/**
 * Spend caps per visitor and per IP on a widget (issue 18 point 2, ADR 0037): a budget with
 * `per` caps each visitor's (each address's) share separately, before any provider call, and
 * holds under concurrent messages of one visitor as a whole-scope budget does.
 */
const limits = { apiPerMinute: 1_000_000, aiPerMinute: 1_000_000 };
const HIGH = { visitorPerHour: 10_000, ipPerHour: 10_000, widgetPerDay: 10_000 };
const QUESTION = "What are your opening hours?";

describe.each(["embedded", "distributed"] as const)("spend caps per visitor and per IP (%s)", (shape) => {
  let fake: FakeUpstream;
  let h: Harness;
  let database: TestPostgres | null = null;
  const namespace = uniqueId("wspend");

  beforeAll(async () => {
    fake = await startFakeUpstream({ chunks: 4, chunkDelayMs: 5, models: ["priced"] });
    database = shape === "distributed" ? await createTestPostgres() : null;
    h = await startHarness({
      PARLEY_PROVIDERS: pricedProviders(fake.url),
      PARLEY_RATE_LIMITS: JSON.stringify({
        admin: limits,
        operator: limits,
        developer: limits,
        viewer: limits,
      }),
      PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
      // Visitors' addresses come from X-Forwarded-For, as behind a load balancer.
      PARLEY_TRUST_PROXY: "true",
      ...(database
        ? {
            PARLEY_DATABASE_URL: database.url,
            PARLEY_NATS_URL: testServices.natsUrl,
            PARLEY_REDIS_URL: testServices.redisUrl,
            PARLEY_NAMESPACE: namespace,
            PARLEY_SECRET_KEY: "widget-spend-secret-key-0123456789abcdef",
          }
        : {}),
    });
  }, 120_000);
  afterAll(async () => {
    await h.stop();
    await fake.close();
    await database?.drop();
    if (database) await cleanupNamespace(namespace);
  });

  /** A widget answering with the priced model, with message limits out of the way. */
  async function pricedWidget(name: string) {
    const team = await widgetTeam(h, name);
    await h.call("PATCH", `/api/v1/assistants/${team.assistantId}`, {
      token: team.operator.token,
      body: { model: "fake/priced" },
    });
    const widget = await publish(h, team.operator.token, team, { limits: HIGH });
    return { team, widget };
  }

  /** Sends the question in a new conversation as `token` from `ip`. */
  async function ask(key: string, token: string, ip = "203.0.113.1"): Promise<VisitorExchange> {
    const res = await visitorCall<VisitorExchange>(h, "POST", key, "/conversations", {
      token,
      body: { content: QUESTION },
      headers: { "x-forwarded-for": ip },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** The answer of `exchange` once it ended (polled: no sleeping). */
  async function ended(key: string, token: string, exchange: VisitorExchange) {
    let answer: VisitorConversationWithMessages["messages"][number] | undefined;
    await eventually("the answer ends", async () => {
      const thread = await visitorCall<VisitorConversationWithMessages>(
        h,
        "GET",
        key,
        `/conversations/${exchange.conversationId}`,
        { token },
      );
      answer = thread.body.messages.find((m) => m.id === exchange.assistantMessage.id);
      return answer !== undefined && answer.status !== "streaming";
    });
    if (!answer) throw new Error("no answer");
    return answer;
  }

  /**
   * One call's maximum cost (what the budget stage holds for the question before the provider
   * call), read from the admin budget API: a week's budget on the whole widget shows what a call
   * held up in the provider (a hanging answer) holds; the answer is then cancelled and the budget
   * deleted. The visitor's own refusal tells no amounts.
   */
  async function oneCallMaximum(widget: { id: string; key: string }): Promise<number> {
    const probeBudget = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
      token: h.adminToken,
      body: { scope: { kind: "widget", id: widget.id }, period: "week", limitMicros: 1_000_000_000 },
    });
    expect(probeBudget.status).toBe(201);
    const probe = await visitor(h, widget.key);
    fake.fail("hang", { times: 1 });
    const exchange = await ask(widget.key, probe.token, "198.51.100.98");
    const budget = () =>
      h.call<Budget>("GET", `/api/v1/billing/budgets/${probeBudget.body.id}`, { token: h.adminToken });
    let max = 0;
    await eventually("the call holds its maximum", async () => {
      max = (await budget()).body.heldMicros;
      return max > 0;
    });
    const cancelled = await visitorCall(
      h,
      "POST",
      widget.key,
      `/messages/${exchange.assistantMessage.id}/cancel`,
      {
        token: probe.token,
      },
    );
    expect(cancelled.status).toBe(202);
    expect((await ended(widget.key, probe.token, exchange)).status).toBe("cancelled");
    await eventually("the hold is released", async () => (await budget()).body.heldMicros === 0);
    const removed = await h.call("DELETE", `/api/v1/billing/budgets/${probeBudget.body.id}`, {
      token: h.adminToken,
    });
    expect(removed.status).toBe(204);
    return max;
  }

  /** Whether the budget alerts (the team's view) tell that budget `budgetId` refused a call. */
  async function refusedBy(budgetId: string): Promise<boolean> {
    const alerts = await h.call<{ items: BudgetAlert[] }>("GET", "/api/v1/billing/alerts", {
      token: h.adminToken,
    });
    return alerts.body.items.some((a) => a.budgetId === budgetId && a.threshold === 100);
  }

  /**
   * Sets a per-visitor or per-IP day budget of 1 micro-unit, sees it refuse a first call (told in
   * the team's alerts, not in the visitor's message), then gives it room for one call's maximum.
   */
  async function capOneCall(widget: { id: string; key: string }, per: "visitor" | "ip") {
    const max = await oneCallMaximum(widget);
    expect(max).toBeGreaterThan(0);
    const created = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
      token: h.adminToken,
      body: { scope: { kind: "widget", id: widget.id }, period: "day", limitMicros: 1, per },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ per, subjects: 0, spentMicros: 0 });
    expect(await refusedBy(created.body.id)).toBe(false);
    const probe = await visitor(h, widget.key);
    const calls = fake.requests.length;
    const refused = await ended(widget.key, probe.token, await ask(widget.key, probe.token, "198.51.100.99"));
    expect(refused.error?.code).toBe("budget.exceeded");
    expect(refused.error?.message).not.toMatch(/\d/);
    expect(await refusedBy(created.body.id)).toBe(true);
    expect(fake.requests.length).toBe(calls);
    // Room for exactly one call's maximum: once it settled (at a cost above 1), no second fits.
    const raised = await h.call<Budget>("PATCH", `/api/v1/billing/budgets/${created.body.id}`, {
      token: h.adminToken,
      body: { limitMicros: max + 1 },
    });
    expect(raised.status).toBe(200);
    return { budgetId: created.body.id, max };
  }

  it("refuses a visitor who used up their share before any provider call, and still answers another", async () => {
    const { widget } = await pricedWidget("Per visitor");
    // The widget's own budget and one for each visitor may stand side by side.
    const whole = await h.call("POST", "/api/v1/billing/budgets", {
      token: h.adminToken,
      body: { scope: { kind: "widget", id: widget.id }, period: "day", limitMicros: 1_000_000 },
    });
    expect(whole.status).toBe(201);
    const { budgetId } = await capOneCall(widget, "visitor");
    const a = await visitor(h, widget.key);
    const b = await visitor(h, widget.key);
    expect((await ended(widget.key, a.token, await ask(widget.key, a.token))).status).toBe("completed");
    const calls = fake.requests.length;
    const refused = await ended(widget.key, a.token, await ask(widget.key, a.token));
    expect(refused).toMatchObject({ status: "failed", error: { code: "budget.exceeded" } });
    expect(fake.requests.length).toBe(calls);
    // Visitor B, from the same address, has a share of their own.
    expect((await ended(widget.key, b.token, await ask(widget.key, b.token))).status).toBe("completed");
    const budget = await h.call<Budget>("GET", `/api/v1/billing/budgets/${budgetId}`, {
      token: h.adminToken,
    });
    expect(budget.body).toMatchObject({ per: "visitor", subjects: 2, heldMicros: 0 });
    expect(budget.body.spentMicros).toBeGreaterThan(0);
    expect(budget.body.spentMicros).toBeLessThanOrEqual(budget.body.limitMicros);
  });

  it("leaves the publisher's own budget to the publisher: visitors spend on the widget's and the team's", async () => {
    const { team, widget } = await pricedWidget("Publisher budget");
    // One micro-unit: no call of the publisher's own fits it.
    const own = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
      token: h.adminToken,
      body: { scope: { kind: "user", id: team.operator.id }, period: "day", limitMicros: 1 },
    });
    expect(own.status).toBe(201);
    const { token } = await visitor(h, widget.key);
    expect((await ended(widget.key, token, await ask(widget.key, token))).status).toBe("completed");
    const after = await h.call<Budget>("GET", `/api/v1/billing/budgets/${own.body.id}`, {
      token: h.adminToken,
    });
    expect(after.body).toMatchObject({ spentMicros: 0, heldMicros: 0 });
    // The team's budget still applies to the visitors.
    const teamBudget = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
      token: h.adminToken,
      body: { scope: { kind: "team", id: team.teamId }, period: "day", limitMicros: 1 },
    });
    expect(teamBudget.status).toBe(201);
    const refused = await ended(widget.key, token, await ask(widget.key, token));
    expect(refused.error).toMatchObject({ code: "budget.exceeded" });
    expect(await refusedBy(teamBudget.body.id)).toBe(true);
  });

  it("caps each IP address across its visitors, and not another address", async () => {
    const { widget } = await pricedWidget("Per IP");
    await capOneCall(widget, "ip");
    const [a, b, c] = [
      await visitor(h, widget.key),
      await visitor(h, widget.key),
      await visitor(h, widget.key),
    ];
    expect((await ended(widget.key, a.token, await ask(widget.key, a.token, "192.0.2.10"))).status).toBe(
      "completed",
    );
    // Another visitor from the same address shares its cap.
    const refused = await ended(widget.key, b.token, await ask(widget.key, b.token, "192.0.2.10"));
    expect(refused.error?.code).toBe("budget.exceeded");
    expect((await ended(widget.key, c.token, await ask(widget.key, c.token, "192.0.2.11"))).status).toBe(
      "completed",
    );
  });

  it("lets 20 simultaneous messages of one visitor overshoot their share by at most one call's maximum", async () => {
    const { widget } = await pricedWidget("Per visitor burst");
    const { budgetId, max } = await capOneCall(widget, "visitor");
    const raised = await h.call<Budget>("PATCH", `/api/v1/billing/budgets/${budgetId}`, {
      token: h.adminToken,
      body: { limitMicros: 3 * max + 1 },
    });
    expect(raised.status).toBe(200);
    const { token } = await visitor(h, widget.key);
    const calls = fake.requests.length;
    const exchanges = await Promise.all(Array.from({ length: 20 }, () => ask(widget.key, token)));
    const answers = await Promise.all(exchanges.map((e) => ended(widget.key, token, e)));
    const completed = answers.filter((a) => a.status === "completed").length;
    const refused = answers.filter((a) => a.error?.code === "budget.exceeded").length;
    expect(completed + refused).toBe(20);
    expect(completed).toBeGreaterThanOrEqual(3);
    expect(refused).toBeGreaterThan(0);
    // No refused message reached the provider.
    expect(fake.requests.length - calls).toBe(completed);
    const budget = await h.call<Budget>("GET", `/api/v1/billing/budgets/${budgetId}`, {
      token: h.adminToken,
    });
    expect(budget.body.heldMicros).toBe(0);
    expect(budget.body.spentMicros).toBeLessThanOrEqual(3 * max + 1 + max);
  });

  it("takes per-visitor budgets on widgets and bots only, and per-IP ones on widgets only", async () => {
    const { team } = await pricedWidget("Per rules");
    const create = (scope: { kind: string; id: string }, per: string) =>
      h.call<ErrorEnvelope>("POST", "/api/v1/billing/budgets", {
        token: h.adminToken,
        body: { scope, period: "month", limitMicros: 1000, per },
      });
    for (const [scope, per] of [
      [{ kind: "assistant", id: team.assistantId }, "visitor"],
      [{ kind: "team", id: team.teamId }, "ip"],
      [{ kind: "bot", id: "any-bot" }, "ip"],
    ] as const) {
      const res = await create(scope, per);
      expect([res.status, res.body.error.code]).toEqual([400, "validation.failed"]);
    }
  });
});
