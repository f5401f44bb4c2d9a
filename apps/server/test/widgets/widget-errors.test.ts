import { Writable } from "node:stream";
import type {
  BudgetAlert,
  CreatedWidget,
  ErrorCode,
  ErrorEnvelope,
  GovernanceDecision,
  VisitorConversationWithMessages,
  VisitorExchange,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/platform/logger.ts";
import { pricedProviders } from "../billing/billing-support.ts";
import { openSse, type SseConnection } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import type { Answer } from "../parley-harness.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { eventually } from "../process-harness.ts";
import { HOST, publish, visitor, visitorCall, widgetTeam } from "./widget-support.ts";

/**
 * What an anonymous visitor reads of an error: the stable code and the HTTP status, in words fit
 * for a stranger, never a budget's amounts, a rule's name or an id (the team reads those in its
 * logs, budget alerts and governance decisions). The cases are generated: every route of the
 * public visitor API (read from the OpenAPI document, so a new route needs a row here) × every
 * refusal it can answer, and every failure of an answer × every way a visitor reads it.
 */

/** What a visitor reads for each code (the words of the brief where it gives them). */
const STRANGER: Partial<Record<ErrorCode, string>> = {
  "budget.exceeded": "This assistant has used up its budget for now.",
  "governance.blocked": "This message cannot be answered here.",
  "upstream.error": "The assistant could not answer just now. Please try again.",
  "widget.not_found": "This chat is not available right now.",
  "widget.disabled": "This chat is not available right now.",
  "widget.publisher_unavailable": "This chat is not available right now.",
  "widget.origin_not_allowed": "This chat is not available on this website.",
  "widget.visitor_token_invalid": "Your chat session has ended. Please start a new one.",
  "widget.signature_invalid": "We could not confirm who you are. Please reload the page.",
  "conversation.not_found": "This conversation or message does not exist here.",
  "message.not_found": "This conversation or message does not exist here.",
  "rate_limit.exceeded": "Too many messages in a short time. Please wait a little and try again.",
};

const limits = { apiPerMinute: 1_000_000, aiPerMinute: 1_000_000 };
const HIGH = { visitorPerHour: 10_000, ipPerHour: 10_000, widgetPerDay: 10_000 };

/** Ids a route's path is built from. */
interface Ids {
  conversationId: string;
  messageId: string;
}

/** A route's request: method, path below the widget's key, body. */
type RouteCall = (ids: Ids) => { method: string; path: string; body?: unknown };

/** Every operation of the public visitor API, as the OpenAPI document names it, with a request. */
const ROUTES = {
  "GET /api/v1/widget-api/{key}": () => ({ method: "GET", path: "" }),
  "POST /api/v1/widget-api/{key}/sessions": () => ({ method: "POST", path: "/sessions", body: {} }),
  "GET /api/v1/widget-api/{key}/conversations": () => ({ method: "GET", path: "/conversations" }),
  "POST /api/v1/widget-api/{key}/conversations": () => ({
    method: "POST",
    path: "/conversations",
    body: { content: "Hello" },
  }),
  "GET /api/v1/widget-api/{key}/conversations/{id}": (ids) => ({
    method: "GET",
    path: `/conversations/${ids.conversationId}`,
  }),
  "POST /api/v1/widget-api/{key}/conversations/{id}/messages": (ids) => ({
    method: "POST",
    path: `/conversations/${ids.conversationId}/messages`,
    body: { content: "Hello again" },
  }),
  "POST /api/v1/widget-api/{key}/messages/{id}/cancel": (ids) => ({
    method: "POST",
    path: `/messages/${ids.messageId}/cancel`,
  }),
  "GET /api/v1/widget-api/{key}/conversations/{id}/events": (ids) => ({
    method: "GET",
    path: `/conversations/${ids.conversationId}/events`,
  }),
} satisfies Record<string, RouteCall>;
type Route = keyof typeof ROUTES;

/** The request of `route` with `ids` in its path. */
function requestOf(route: Route, ids: Ids): ReturnType<RouteCall> {
  const make: RouteCall = ROUTES[route];
  return make(ids);
}
const ALL = Object.keys(ROUTES) as Route[];
const WITH_TOKEN = ALL.filter((r) => !r.endsWith("{key}") && !r.endsWith("/sessions"));

/** How to provoke one refusal: on which routes, and the request's key, token, origin and ids. */
interface Refusal {
  code: ErrorCode;
  status: number;
  routes: readonly Route[];
  request(route: Route): { key: string; token?: string; origin?: string; ids?: Partial<Ids>; body?: unknown };
}

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString("utf8"));
    done();
  },
});

let fake: FakeUpstream;
let h: Harness;
let open: CreatedWidget;
let token: string;
let ids: Ids;
const widgets: Record<"disabled" | "signed" | "orphaned" | "limited", CreatedWidget> = {} as never;
const tokens: Record<"orphaned" | "limited", string> = {} as never;
let limitedConversation: string;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 2, models: ["priced"] });
  const logger = createLogger({ level: "info", base: {}, pretty: false, destination: capture });
  h = await startHarness(
    {
      PARLEY_PROVIDERS: pricedProviders(fake.url),
      PARLEY_RATE_LIMITS: JSON.stringify({
        admin: limits,
        operator: limits,
        developer: limits,
        viewer: limits,
      }),
      PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
      PARLEY_AI_MAX_RETRIES: "0",
    },
    { logger },
  );
  const team = await widgetTeam(h, "Errors");
  await h.call("PATCH", `/api/v1/assistants/${team.assistantId}`, {
    token: team.operator.token,
    body: { model: "fake/priced" },
  });
  open = await publish(h, team.operator.token, team, { limits: HIGH });
  token = (await visitor(h, open.key)).token;
  const started = await visitorCall<VisitorExchange>(h, "POST", open.key, "/conversations", {
    token,
    body: { content: "Hello" },
  });
  ids = { conversationId: started.body.conversationId, messageId: started.body.assistantMessage.id };
  await ended(open.key, token, started.body);
  widgets.disabled = await publish(h, team.operator.token, team, { enabled: false });
  widgets.signed = await publish(h, team.operator.token, team, { mode: "signed" });
  widgets.limited = await publish(h, team.operator.token, team, {
    limits: { visitorPerHour: 1, ipPerHour: 100, widgetPerDay: 100 },
  });
  tokens.limited = (await visitor(h, widgets.limited.key)).token;
  const first = await visitorCall<VisitorExchange>(h, "POST", widgets.limited.key, "/conversations", {
    token: tokens.limited,
    body: { content: "Hello" },
  });
  limitedConversation = first.body.conversationId;
  await ended(widgets.limited.key, tokens.limited, first.body);
  // A widget whose publisher left the team.
  const other = await widgetTeam(h, "Left");
  widgets.orphaned = await publish(h, other.operator.token, other, { limits: HIGH });
  tokens.orphaned = (await visitor(h, widgets.orphaned.key)).token;
  const removed = await h.call("DELETE", `/api/v1/teams/${other.teamId}/members/${other.operator.id}`, {
    token: h.adminToken,
  });
  expect(removed.status).toBe(204);
}, 120_000);
afterAll(async () => {
  await h.stop();
  await fake.close();
});

/** The answer of `exchange` once it ended (polled). */
async function ended(key: string, visitorToken: string, exchange: VisitorExchange) {
  let answer: VisitorConversationWithMessages["messages"][number] | undefined;
  await eventually("the answer ends", async () => {
    const thread = await visitorCall<VisitorConversationWithMessages>(
      h,
      "GET",
      key,
      `/conversations/${exchange.conversationId}`,
      { token: visitorToken },
    );
    answer = thread.body.messages.find((m) => m.id === exchange.assistantMessage.id);
    return answer !== undefined && answer.status !== "streaming";
  });
  if (!answer) throw new Error("no answer");
  return answer;
}

const refusals: Refusal[] = [
  {
    code: "widget.not_found",
    status: 404,
    routes: ALL,
    request: () => ({ key: "wk_no_such_widget_0123456789", token }),
  },
  {
    code: "widget.origin_not_allowed",
    status: 403,
    routes: ALL,
    request: () => ({ key: open.key, token, origin: "https://evil.example" }),
  },
  {
    code: "widget.disabled",
    status: 403,
    routes: ALL,
    request: () => ({ key: widgets.disabled.key, token }),
  },
  {
    code: "widget.visitor_token_invalid",
    status: 401,
    routes: WITH_TOKEN,
    request: () => ({ key: open.key, token: "forged.token.value" }),
  },
  {
    code: "widget.publisher_unavailable",
    status: 409,
    routes: WITH_TOKEN,
    request: () => ({ key: widgets.orphaned.key, token: tokens.orphaned }),
  },
  {
    code: "widget.signature_invalid",
    status: 401,
    routes: ["POST /api/v1/widget-api/{key}/sessions"],
    request: () => ({ key: widgets.signed.key, body: { userId: "42", signature: "00".repeat(32) } }),
  },
  {
    code: "conversation.not_found",
    status: 404,
    routes: [
      "GET /api/v1/widget-api/{key}/conversations/{id}",
      "POST /api/v1/widget-api/{key}/conversations/{id}/messages",
      "GET /api/v1/widget-api/{key}/conversations/{id}/events",
    ],
    request: () => ({ key: open.key, token, ids: { conversationId: "c_0000000000_not_there" } }),
  },
  {
    code: "message.not_found",
    status: 404,
    routes: ["POST /api/v1/widget-api/{key}/messages/{id}/cancel"],
    request: () => ({ key: open.key, token, ids: { messageId: "m_0000000000_not_there" } }),
  },
  {
    code: "rate_limit.exceeded",
    status: 429,
    routes: [
      "POST /api/v1/widget-api/{key}/conversations",
      "POST /api/v1/widget-api/{key}/conversations/{id}/messages",
    ],
    request: () => ({
      key: widgets.limited.key,
      token: tokens.limited,
      ids: { conversationId: limitedConversation },
    }),
  },
];

/** Calls `route` as `refusal` says. */
function call(route: Route, refusal: Refusal): Promise<Answer<ErrorEnvelope>> {
  const given = refusal.request(route);
  const { method, path, body } = requestOf(route, { ...ids, ...given.ids });
  return visitorCall<ErrorEnvelope>(h, method, given.key, path, {
    ...(given.token ? { token: given.token } : {}),
    origin: given.origin ?? HOST,
    ...((given.body ?? body) !== undefined ? { body: given.body ?? body } : {}),
  });
}

describe("the public visitor API's errors, as a stranger reads them", () => {
  it("has a row for every operation of the visitor API", async () => {
    const doc = (await h.call<{ paths: Record<string, Record<string, unknown>> }>("GET", "/api/openapi.json"))
      .body;
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/v1/widget-api/"))
      .flatMap(([path, methods]) =>
        Object.keys(methods)
          .filter((m) => m !== "options" && m !== "head")
          .map((m) => `${m.toUpperCase()} ${path}`),
      );
    expect(operations.sort()).toEqual([...ALL].sort());
  });

  const cases = refusals.flatMap((refusal) => refusal.routes.map((route) => [route, refusal] as const));
  it.each(cases.map(([route, refusal]) => [refusal.code, route, refusal] as const))(
    "answers %s on %s with its code, its status and a stranger's words",
    async (code, route, refusal) => {
      const res = await call(route, refusal);
      expect([res.status, res.body.error.code]).toEqual([refusal.status, code]);
      expect(res.body.error.message).toBe(STRANGER[code]);
      // The visitor's own message limit is named (README), nothing else is.
      if (code === "rate_limit.exceeded")
        expect(res.body.error.details).toEqual({ scope: "widget_visitor", limit: 1 });
      else expect(res.body.error.details).toBeUndefined();
      expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
      if (code === "rate_limit.exceeded") expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      // The CORS grant still lets the widget read the refusal (not where no widget grants it).
      if (!["widget.origin_not_allowed", "widget.not_found", "widget.disabled"].includes(code))
        expect(res.headers.get("access-control-allow-origin")).toBe(HOST);
    },
  );

  it("keeps a refused input's own explanation (which field, how), and nothing of the server", async () => {
    for (const route of [
      "POST /api/v1/widget-api/{key}/conversations",
      "POST /api/v1/widget-api/{key}/conversations/{id}/messages",
    ] as const) {
      const { method, path } = requestOf(route, ids);
      const res = await visitorCall<ErrorEnvelope>(h, method, open.key, path, {
        token,
        body: { content: " " },
      });
      expect([res.status, res.body.error.code]).toEqual([400, "validation.failed"]);
      expect(res.body.error.message).toContain("content");
      expect(res.body.error.details).toMatchObject({ issues: [{ location: "body", path: "content" }] });
    }
  });

  it("keeps the detail in the team's logs", async () => {
    const res = await visitorCall<ErrorEnvelope>(h, "GET", widgets.orphaned.key, "/conversations", {
      token: tokens.orphaned,
    });
    expect(res.body.error.code).toBe("widget.publisher_unavailable");
    const requestId = res.body.error.requestId ?? "none";
    await eventually("the refusal is logged", () =>
      Promise.resolve(
        lines.some(
          (l) => l.includes(requestId) && l.includes("This widget's publisher may no longer answer"),
        ),
      ),
    );
  });
});

describe("a failed answer, as a stranger reads it", () => {
  /** A conversation whose first answer completed, its visitor and an open event stream on it. */
  async function conversationOn(widget: CreatedWidget) {
    const { token: visitorToken } = await visitor(h, widget.key);
    const first = await visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
      token: visitorToken,
      body: { content: "Hello" },
    });
    expect(first.status).toBe(201);
    expect((await ended(widget.key, visitorToken, first.body)).status).toBe("completed");
    const sse = await openSse(
      `${h.url}/api/v1/widget-api/${widget.key}/conversations/${first.body.conversationId}/events`,
      { origin: HOST, "x-parley-visitor": visitorToken },
    );
    return { token: visitorToken, conversationId: first.body.conversationId, sse };
  }

  /** Sends `content`, and reads its failure where a visitor can: the stream, the thread, the list. */
  async function fails(
    widget: CreatedWidget,
    content: string,
    code: ErrorCode,
    setUp: () => Promise<void>,
  ): Promise<void> {
    const c = await conversationOn(widget);
    let sse: SseConnection = c.sse;
    try {
      await setUp();
      const sent = await visitorCall<VisitorExchange>(
        h,
        "POST",
        widget.key,
        `/conversations/${c.conversationId}/messages`,
        { token: c.token, body: { content } },
      );
      expect(sent.status).toBe(202);
      const id = sent.body.assistantMessage.id;
      const events = await sse.until((all) =>
        all.some((e) => e.event === "message.failed" && (e.data as { messageId: string }).messageId === id),
      );
      const failed = events.find((e) => e.event === "message.failed")?.data;
      expect(failed).toEqual({
        type: "message.failed",
        messageId: id,
        error: { code, message: STRANGER[code] },
      });
      const stored = await ended(widget.key, c.token, sent.body);
      expect(stored).toMatchObject({ status: "failed", error: { code, message: STRANGER[code] } });
      // A stream opened afterwards reads it the same way in the thread (the snapshot has no error).
      sse.close();
      sse = await openSse(
        `${h.url}/api/v1/widget-api/${widget.key}/conversations/${c.conversationId}/events`,
        { origin: HOST, "x-parley-visitor": c.token },
      );
      expect(JSON.stringify(sse.events)).not.toContain("micro-units");
    } finally {
      sse.close();
    }
  }

  it("tells of a used-up budget without its amounts; the team reads them in its budget alerts", async () => {
    const team = await widgetTeam(h, "Budget");
    await h.call("PATCH", `/api/v1/assistants/${team.assistantId}`, {
      token: team.operator.token,
      body: { model: "fake/priced" },
    });
    const widget = await publish(h, team.operator.token, team, { limits: HIGH });
    let budgetId = "";
    await fails(widget, "What are your opening hours?", "budget.exceeded", async () => {
      const budget = await h.call<{ id: string }>("POST", "/api/v1/billing/budgets", {
        token: h.adminToken,
        body: { scope: { kind: "widget", id: widget.id }, period: "day", limitMicros: 1 },
      });
      expect(budget.status).toBe(201);
      budgetId = budget.body.id;
    });
    const alerts = await h.call<{ items: BudgetAlert[] }>("GET", "/api/v1/billing/alerts", {
      token: h.adminToken,
    });
    expect(alerts.body.items).toContainEqual(
      expect.objectContaining({ budgetId, threshold: 100, limitMicros: 1 }),
    );
  });

  it("tells of a governance block without the rule's name; the team reads it in its decisions", async () => {
    const team = await widgetTeam(h, "Governed");
    const widget = await publish(h, team.operator.token, team, { limits: HIGH });
    const rule = "Secret project Falcon stays inside";
    await fails(widget, "Tell me about falcon", "governance.blocked", async () => {
      const created = await h.call("POST", "/api/v1/governance/rules", {
        token: h.adminToken,
        body: {
          teamId: team.teamId,
          spec: {
            name: rule,
            tier: "before",
            scope: {},
            condition: { detectors: [{ type: "keywords", words: ["falcon"] }] },
            action: "block",
          },
        },
      });
      expect(created.status).toBe(201);
    });
    const decisions = await h.call<{ items: GovernanceDecision[] }>(
      "GET",
      `/api/v1/governance/decisions?teamId=${team.teamId}`,
      { token: h.adminToken },
    );
    expect(JSON.stringify(decisions.body.items)).toContain(rule);
  });

  it("tells of a provider failure in plain words; the team reads the provider's error in its logs", async () => {
    const team = await widgetTeam(h, "Upstream");
    const widget = await publish(h, team.operator.token, team, { limits: HIGH });
    await fails(widget, "Are you there?", "upstream.error", () => {
      fake.fail("500", { times: 1 });
      return Promise.resolve();
    });
  });
});
