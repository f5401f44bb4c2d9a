import type { VisitorConversationWithMessages, VisitorExchange } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSse } from "../chat/sse-client.ts";
import { pricedProviders } from "../billing/billing-support.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { allTables } from "../all-tables.ts";
import { HOST, publish, visitor, visitorCall, widgetTeam } from "./widget-support.ts";

let fake: FakeUpstream;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 3, models: ["priced", "unpriced"] });
  h = await startHarness({ PARLEY_PROVIDERS: pricedProviders(fake.url) });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

/** The events of the answer of `exchange` until it ends. */
async function outcome(key: string, token: string, exchange: VisitorExchange) {
  const id = exchange.assistantMessage.id;
  const sse = await openSse(
    `${h.url}/api/v1/widget-api/${key}/conversations/${exchange.conversationId}/events`,
    {
      origin: HOST,
      "x-parley-visitor": token,
    },
  );
  try {
    const thread = await visitorCall<VisitorConversationWithMessages>(
      h,
      "GET",
      key,
      `/conversations/${exchange.conversationId}`,
      { token },
    );
    const stored = thread.body.messages.find((m) => m.id === id);
    if (stored && stored.status !== "streaming") return stored;
    await sse.until((all) => all.some((e) => /^message\.(completed|failed)$/.test(e.event)));
    return (
      await visitorCall<VisitorConversationWithMessages>(
        h,
        "GET",
        key,
        `/conversations/${exchange.conversationId}`,
        {
          token,
        },
      )
    ).body.messages.find((m) => m.id === id);
  } finally {
    sse.close();
  }
}

describe("a widget's answers in the AI pipeline", () => {
  it("meters them on the widget surface and holds them to the widget's budget (budget.exceeded, nothing sent)", async () => {
    const team = await widgetTeam(h, "Budgeted");
    await h.call("PATCH", `/api/v1/assistants/${team.assistantId}`, {
      token: team.operator.token,
      body: { model: "fake/priced" },
    });
    const widget = await publish(h, team.operator.token, team);
    const { token } = await visitor(h, widget.key);
    const paid = await visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
      token,
      body: { content: "First question" },
    });
    expect(await outcome(widget.key, token, paid.body)).toMatchObject({ status: "completed", error: null });
    const usage = await allTables(h.parley.platform.database)
      .selectFrom("usage_records")
      .select(["surface", "team_id"])
      .where("team_id", "=", team.teamId)
      .execute();
    expect(usage).toEqual([{ surface: "widget", team_id: team.teamId }]);

    const budget = await h.call("POST", "/api/v1/billing/budgets", {
      token: h.adminToken,
      body: { scope: { kind: "widget", id: widget.id }, period: "day", limitMicros: 1 },
    });
    expect(budget.status).toBe(201);
    const calls = fake.requests.length;
    const refused = await visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
      token,
      body: { content: "Second question" },
    });
    const failed = await outcome(widget.key, token, refused.body);
    expect(failed).toMatchObject({ status: "failed", error: { code: "budget.exceeded" } });
    expect(fake.requests.length).toBe(calls);
  });
});
