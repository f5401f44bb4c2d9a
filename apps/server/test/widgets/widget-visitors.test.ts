import type {
  ErrorEnvelope,
  VisitorConversation,
  VisitorConversationWithMessages,
  VisitorExchange,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSse, answerOf } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, uniqueId } from "../services.ts";
import { HOST, publish, visitor, visitorCall, widgetTeam, widgetTestEnv } from "./widget-support.ts";

let fake: FakeUpstream;
let h: Harness;

/** Waits for the answer of `exchange` to end, over the visitor's event stream. */
async function answered(key: string, token: string, exchange: VisitorExchange): Promise<string> {
  const id = exchange.assistantMessage.id;
  const sse = await openSse(
    `${h.url}/api/v1/widget-api/${key}/conversations/${exchange.conversationId}/events`,
    {
      origin: HOST,
      "x-parley-visitor": token,
    },
  );
  try {
    // What ended before the stream opened is in the conversation itself.
    const thread = await visitorCall<VisitorConversationWithMessages>(
      h,
      "GET",
      key,
      `/conversations/${exchange.conversationId}`,
      { token },
    );
    const stored = thread.body.messages.find((m) => m.id === id);
    if (stored && stored.status !== "streaming") return stored.content;
    const events = await sse.until((all) =>
      all.some((e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === id),
    );
    return answerOf(events, id).text;
  } finally {
    sse.close();
  }
}

for (const shape of ["embedded", "distributed"] as const) {
  describe(`a visitor's conversations (${shape})`, () => {
    let database: TestPostgres | null = null;
    const namespace = uniqueId("widget");
    beforeAll(async () => {
      fake = await startFakeUpstream({ chunks: 5, text: "Open from nine to five, every weekday." });
      database = shape === "distributed" ? await createTestPostgres() : null;
      h = await startHarness(
        widgetTestEnv(
          fake.url,
          database
            ? {
                databaseUrl: database.url,
                namespace,
                secretKey: "widget-visitors-secret-key-0123456789abcdef",
              }
            : null,
        ),
      );
    }, 120_000);
    afterAll(async () => {
      await h.stop();
      await fake.close();
      if (database) {
        await database.drop();
        await cleanupNamespace(namespace);
      }
    });

    it("starts a conversation on an allowed site and streams the answer, with the CORS grant on the stream", async () => {
      const team = await widgetTeam(h, "Answers");
      const widget = await publish(h, team.operator.token, team);
      const { token } = await visitor(h, widget.key);
      const started = await visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
        token,
        body: { content: "When are you open?" },
      });
      expect(started.status).toBe(201);
      expect(started.body.userMessage).toMatchObject({ role: "user", content: "When are you open?" });
      expect(started.body.assistantMessage).toMatchObject({ role: "assistant", status: "streaming" });
      expect(started.body).not.toHaveProperty("model");

      const res = await fetch(
        `${h.url}/api/v1/widget-api/${widget.key}/conversations/${started.body.conversationId}/events`,
        {
          headers: { origin: HOST, "x-parley-visitor": token },
        },
      );
      expect(res.headers.get("access-control-allow-origin")).toBe(HOST);
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      await res.body?.cancel();

      expect(await answered(widget.key, token, started.body)).toBe("Open from nine to five, every weekday.");
      const next = await visitorCall<VisitorExchange>(
        h,
        "POST",
        widget.key,
        `/conversations/${started.body.conversationId}/messages`,
        {
          token,
          body: { content: "And on Saturday?" },
        },
      );
      expect(next.status).toBe(202);
      await answered(widget.key, token, next.body);
      const thread = await visitorCall<VisitorConversationWithMessages>(
        h,
        "GET",
        widget.key,
        `/conversations/${started.body.conversationId}`,
        { token },
      );
      expect(thread.body.messages.map((m) => [m.role, m.status])).toEqual([
        ["user", "completed"],
        ["assistant", "completed"],
        ["user", "completed"],
        ["assistant", "completed"],
      ]);
      const list = await visitorCall<{ items: VisitorConversation[] }>(
        h,
        "GET",
        widget.key,
        "/conversations",
        {
          token,
        },
      );
      expect(list.body.items.map((c) => c.id)).toEqual([started.body.conversationId]);
    });

    it("shows a visitor only their own conversations: another visitor's is 404 everywhere", async () => {
      const team = await widgetTeam(h, "Isolation");
      const widget = await publish(h, team.operator.token, team);
      const a = await visitor(h, widget.key);
      const b = await visitor(h, widget.key);
      const mine = await visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
        token: a.token,
        body: { content: "My secret question" },
      });
      await answered(widget.key, a.token, mine.body);
      const id = mine.body.conversationId;
      for (const [method, path, body] of [
        ["GET", `/conversations/${id}`, undefined],
        ["POST", `/conversations/${id}/messages`, { content: "hijack" }],
        ["GET", `/conversations/${id}/events`, undefined],
        ["POST", `/messages/${mine.body.assistantMessage.id}/cancel`, undefined],
      ] as const) {
        const res = await visitorCall<ErrorEnvelope>(h, method, widget.key, path, {
          token: b.token,
          ...(body ? { body } : {}),
        });
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      const listB = await visitorCall<{ items: unknown[] }>(h, "GET", widget.key, "/conversations", {
        token: b.token,
      });
      expect(listB.body.items).toEqual([]);
      // Nor does the same visitor reach it through another widget of the team.
      const other = await publish(h, team.operator.token, team);
      const elsewhere = await visitor(h, other.key);
      expect(
        (await visitorCall(h, "GET", other.key, `/conversations/${id}`, { token: elsewhere.token })).status,
      ).toBe(404);
      // The publisher's own conversation list leaves visitors' conversations out.
      const own = await h.call<{ items: { id: string }[] }>("GET", "/api/v1/conversations", {
        token: team.operator.token,
      });
      expect(own.body.items.map((c) => c.id)).not.toContain(id);
    });

    it("answers a visitor's retried send with their own exchange, and another visitor's same key with theirs", async () => {
      const team = await widgetTeam(h, "Retries");
      const widget = await publish(h, team.operator.token, team);
      const a = await visitor(h, widget.key);
      const b = await visitor(h, widget.key);
      const start = (token: string, content: string) =>
        visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
          token,
          body: { content },
          headers: { "idempotency-key": "same-key-for-everyone" },
        });
      const first = await start(a.token, "Where is my parcel?");
      const again = await start(a.token, "Where is my parcel?");
      expect(first.status).toBe(201);
      expect([again.status, again.body.conversationId, again.body.assistantMessage.id]).toEqual([
        201,
        first.body.conversationId,
        first.body.assistantMessage.id,
      ]);
      // Visitor B guessed (or copied) A's key: B gets a conversation of B's own, never A's.
      const theirs = await start(b.token, "Where is my parcel?");
      expect(theirs.status).toBe(201);
      expect(theirs.body.conversationId).not.toBe(first.body.conversationId);
      const other = await start(b.token, "Something else");
      expect(other.status).toBe(422);
      await answered(widget.key, a.token, first.body);
      await answered(widget.key, b.token, theirs.body);
      const listA = await visitorCall<{ items: unknown[] }>(h, "GET", widget.key, "/conversations", {
        token: a.token,
      });
      expect(listA.body.items).toHaveLength(1);
    });

    it("holds each visitor, each IP and the whole widget to their message limits", async () => {
      const team = await widgetTeam(h, "Limits");
      const widget = await publish(h, team.operator.token, team, {
        limits: { visitorPerHour: 2, ipPerHour: 3, widgetPerDay: 4 },
      });
      const send = async (token: string, ip: string) =>
        visitorCall<ErrorEnvelope>(h, "POST", widget.key, "/conversations", {
          token,
          body: { content: "Hi" },
          headers: { "x-forwarded-for": ip },
        });
      const first = await visitor(h, widget.key);
      expect((await send(first.token, "1")).status).toBe(201);
      expect((await send(first.token, "1")).status).toBe(201);
      const perVisitor = await send(first.token, "1");
      expect([perVisitor.status, perVisitor.body.error.code]).toEqual([429, "rate_limit.exceeded"]);
      expect(perVisitor.body.error.details).toMatchObject({ scope: "widget_visitor" });
      expect(perVisitor.headers.get("retry-after")).toMatch(/^\d+$/);
      const second = await visitor(h, widget.key);
      expect((await send(second.token, "1")).status).toBe(201);
      const third = await visitor(h, widget.key);
      // The harness trusts no proxy: every request is from 127.0.0.1, one IP (3 per hour).
      const perIp = await send(third.token, "2");
      expect([perIp.status, perIp.body.error.details]).toEqual([
        429,
        expect.objectContaining({ scope: "widget_ip" }),
      ]);
    });

    it("lets 20 simultaneous first messages of one visitor through only as far as the visitor's limit", async () => {
      const team = await widgetTeam(h, "Burst");
      const widget = await publish(h, team.operator.token, team, {
        limits: { visitorPerHour: 5, ipPerHour: 1000, widgetPerDay: 1000 },
      });
      const { token } = await visitor(h, widget.key);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
            token,
            body: { content: `Question ${i}` },
          }),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      const list = await visitorCall<{ items: VisitorConversation[] }>(
        h,
        "GET",
        widget.key,
        "/conversations",
        {
          token,
        },
      );
      expect(list.body.items).toHaveLength(5);
    });

    it("answers clearly once the publisher may no longer answer in the team", async () => {
      const team = await widgetTeam(h, "Publisher");
      const widget = await publish(h, team.operator.token, team);
      const { token } = await visitor(h, widget.key);
      await h.call("DELETE", `/api/v1/teams/${team.teamId}/members/${team.operator.id}`, {
        token: h.adminToken,
      });
      const res = await visitorCall<ErrorEnvelope>(h, "POST", widget.key, "/conversations", {
        token,
        body: { content: "Hi" },
      });
      expect([res.status, res.body.error.code]).toEqual([409, "widget.publisher_unavailable"]);
    });

    it("refuses a switched-off widget's visitors", async () => {
      const team = await widgetTeam(h, "Off");
      const widget = await publish(h, team.operator.token, team);
      const { token } = await visitor(h, widget.key);
      await h.call("PATCH", `/api/v1/widgets/${widget.id}`, {
        token: team.operator.token,
        body: { enabled: false },
      });
      const res = await visitorCall<ErrorEnvelope>(h, "GET", widget.key, "/conversations", { token });
      expect([res.status, res.body.error.code]).toEqual([403, "widget.disabled"]);
    });
  });
}
