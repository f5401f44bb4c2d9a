import type { ErrorEnvelope, Me, VisitorExchange } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { HOST, publish, sign, visitor, visitorCall, widgetTeam } from "./widget-support.ts";

/**
 * The public visitor API as an attacker sees it: text a database cannot store, a publisher who
 * was disabled or removed, a host site's secret that leaked and was rotated. Run on both shapes:
 * PostgreSQL refuses some text SQLite takes.
 */
for (const shape of ["embedded", "distributed"] as const) {
  describe(`widget attacks (${shape})`, () => {
    let fake: FakeUpstream;
    let h: Harness;
    let database: TestPostgres | null = null;
    const namespace = uniqueId("widget_attacks");
    beforeAll(async () => {
      fake = await startFakeUpstream({ chunks: 2 });
      database = shape === "distributed" ? await createTestPostgres() : null;
      h = await startHarness({
        PARLEY_PROVIDERS: fakeProviders(fake.url),
        ...(database
          ? {
              PARLEY_DATABASE_URL: database.url,
              PARLEY_NATS_URL: testServices.natsUrl,
              PARLEY_REDIS_URL: testServices.redisUrl,
              PARLEY_NAMESPACE: namespace,
              PARLEY_SECRET_KEY: "widget-attacks-secret-key-0123456789abcdef",
            }
          : {}),
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

    it("refuses text with NUL characters with 400 on every way into a conversation, never a 500", async () => {
      const team = await widgetTeam(h, "Nul");
      const widget = await publish(h, team.operator.token, team);
      const { token } = await visitor(h, widget.key);
      const started = await visitorCall<VisitorExchange>(h, "POST", widget.key, "/conversations", {
        token,
        body: { content: "Hello" },
      });
      expect(started.status).toBe(201);
      const web = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
        token: team.operator.token,
        body: { teamId: team.teamId },
      });
      const texts = [
        "\u0000",
        "a\u0000b",
        "before\u0000",
        `${"x".repeat(3000)}\u0000`,
        "\u0000\u0000 \u0000",
      ];
      const ways = {
        "a visitor's first message": (content: string) =>
          visitorCall<ErrorEnvelope>(h, "POST", widget.key, "/conversations", { token, body: { content } }),
        "a visitor's next message": (content: string) =>
          visitorCall<ErrorEnvelope>(
            h,
            "POST",
            widget.key,
            `/conversations/${started.body.conversationId}/messages`,
            { token, body: { content } },
          ),
        "a web conversation's first message": (content: string) =>
          h.call<ErrorEnvelope>("POST", "/api/v1/conversations", {
            token: team.operator.token,
            body: { teamId: team.teamId, message: { content } },
          }),
        "a web message": (content: string) =>
          h.call<ErrorEnvelope>("POST", `/api/v1/conversations/${web.body.id}/messages`, {
            token: team.operator.token,
            body: { content },
          }),
      };
      for (const [way, send] of Object.entries(ways))
        for (const text of texts) {
          const res = await send(text);
          expect([way, JSON.stringify(text).slice(0, 20), res.status, res.body.error.code]).toEqual([
            way,
            JSON.stringify(text).slice(0, 20),
            400,
            "validation.failed",
          ]);
        }
    });

    it("reaches no conversation but the visitor's own: the publisher's and other widgets' are 404 on every route", async () => {
      const team = await widgetTeam(h, "Reach");
      const widget = await publish(h, team.operator.token, team);
      const elsewhere = await widgetTeam(h, "ReachElsewhere");
      const otherWidget = await publish(h, elsewhere.operator.token, elsewhere);
      const { token } = await visitor(h, widget.key);
      // The publisher's own conversation in the same team, with an answer.
      const own = await h.call<{ id: string; assistantMessage: { id: string } }>(
        "POST",
        "/api/v1/conversations",
        {
          token: team.operator.token,
          body: { teamId: team.teamId, assistantId: team.assistantId, message: { content: "Private notes" } },
        },
      );
      // Another team's widget's visitor's conversation, and a sibling widget's one in this team.
      const foreign = await visitor(h, otherWidget.key);
      const theirs = await visitorCall<VisitorExchange>(h, "POST", otherWidget.key, "/conversations", {
        token: foreign.token,
        body: { content: "Theirs" },
      });
      const sibling = await publish(h, team.operator.token, team);
      const siblingVisitor = await visitor(h, sibling.key);
      const siblings = await visitorCall<VisitorExchange>(h, "POST", sibling.key, "/conversations", {
        token: siblingVisitor.token,
        body: { content: "Sibling's" },
      });
      const targets = {
        "the publisher's": { conversation: own.body.id, answer: own.body.assistantMessage.id },
        "another team's visitor's": {
          conversation: theirs.body.conversationId,
          answer: theirs.body.assistantMessage.id,
        },
        "a sibling widget's visitor's": {
          conversation: siblings.body.conversationId,
          answer: siblings.body.assistantMessage.id,
        },
      };
      for (const [label, { conversation, answer }] of Object.entries(targets))
        for (const [method, path, body] of [
          ["GET", `/conversations/${conversation}`, undefined],
          ["POST", `/conversations/${conversation}/messages`, { content: "hijack" }],
          ["GET", `/conversations/${conversation}/events`, undefined],
          ["POST", `/messages/${answer}/cancel`, undefined],
        ] as const) {
          const res = await visitorCall<ErrorEnvelope>(h, method, widget.key, path, {
            token,
            ...(body ? { body } : {}),
          });
          expect([label, method, path, res.status]).toEqual([label, method, path, 404]);
        }
      // Another widget's token on this widget's key is no visitor here.
      const crossed = await visitorCall<ErrorEnvelope>(h, "GET", widget.key, "/conversations", {
        token: foreign.token,
      });
      expect([crossed.status, crossed.body.error.code]).toEqual([401, "widget.visitor_token_invalid"]);
    });

    it("answers malformed, oversized and odd bodies with a 4xx the widget's page can read", async () => {
      const team = await widgetTeam(h, "Bodies");
      const widget = await publish(h, team.operator.token, team);
      const { token } = await visitor(h, widget.key);
      const bodies: Record<string, { type: string; body: string }> = {
        "malformed JSON": { type: "application/json", body: '{"content": "hi' },
        "not JSON": { type: "text/plain", body: "hi" },
        "an array": { type: "application/json", body: "[]" },
        "a number as content": { type: "application/json", body: '{"content": 42}' },
        "blank content": { type: "application/json", body: '{"content": " \\n\\t "}' },
        "an unknown field": { type: "application/json", body: '{"content": "hi", "model": "gpt-x"}' },
        "4,001 characters": { type: "application/json", body: JSON.stringify({ content: "é".repeat(4001) }) },
        "over the body limit": {
          type: "application/json",
          body: JSON.stringify({ content: "x".repeat(2_000_000) }),
        },
        "deeply nested": { type: "application/json", body: `${"[".repeat(5000)}${"]".repeat(5000)}` },
      };
      for (const [label, { type, body }] of Object.entries(bodies)) {
        const res = await fetch(`${h.url}/api/v1/widget-api/${widget.key}/conversations`, {
          method: "POST",
          headers: { origin: HOST, "x-parley-visitor": token, "content-type": type },
          body,
        });
        expect([label, res.status >= 400 && res.status < 500]).toEqual([label, true]);
        expect([label, res.headers.get("access-control-allow-origin")]).toEqual([label, HOST]);
        await res.arrayBuffer();
      }
      // Nothing was started by any of them.
      const list = await visitorCall<{ items: unknown[] }>(h, "GET", widget.key, "/conversations", { token });
      expect(list.body.items).toEqual([]);
    });

    it("refuses a signed user id with control characters with 400, never a 500", async () => {
      const team = await widgetTeam(h, "Control");
      const widget = await publish(h, team.operator.token, team, { mode: "signed" });
      for (const userId of ["\u0000", "u\u00001", "42\n", "a\u0007b", "\u007f"]) {
        const res = await visitorCall<ErrorEnvelope>(h, "POST", widget.key, "/sessions", {
          body: { userId, signature: sign(widget.secret, userId) },
        });
        expect([JSON.stringify(userId), res.status, res.body.error.code]).toEqual([
          JSON.stringify(userId),
          400,
          "validation.failed",
        ]);
      }
      // Ordinary ids, unicode included, still work.
      for (const userId of ["42", "jane@example.com", "ユーザー-7", "😀"])
        expect((await visitor(h, widget.key, { userId, secret: widget.secret })).visitorId).toBe(
          `user:${userId}`,
        );
    });

    it("refuses to publish through a key narrower than what visitors could do, each missing permission named", async () => {
      const team = await widgetTeam(h, "NarrowKey");
      const lend = [
        "ai:use",
        "conversations:read",
        "conversations:write",
        "assistants:read",
        "knowledge:read",
      ];
      for (const missing of lend) {
        const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
          token: team.operator.token,
          body: {
            name: `without ${missing}`,
            permissions: ["widgets:manage", ...lend.filter((p) => p !== missing)],
            teamId: team.teamId,
          },
        });
        expect(key.status).toBe(201);
        const res = await h.call<ErrorEnvelope>("POST", "/api/v1/widgets", {
          token: key.body.key,
          body: { teamId: team.teamId, assistantId: team.assistantId, name: "Leaky", allowedOrigins: [HOST] },
        });
        expect([res.status, res.body.error.code, res.body.error.details], missing).toEqual([
          403,
          "auth.forbidden",
          { permission: missing },
        ]);
      }
      // A key holding all of it publishes.
      const full = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: team.operator.token,
        body: { name: "full", permissions: ["widgets:manage", ...lend], teamId: team.teamId },
      });
      expect((await publish(h, full.body.key, team)).key).toMatch(/^wk_/);
    });

    it("stops a disabled publisher's widget (409) and lets it answer again once re-enabled", async () => {
      const team = await widgetTeam(h, "Disabled");
      const widget = await publish(h, team.operator.token, team);
      const { token } = await visitor(h, widget.key);
      const setStatus = (status: "active" | "disabled") =>
        h.call("PATCH", `/api/v1/users/${team.operator.id}`, { token: h.adminToken, body: { status } });
      expect((await setStatus("disabled")).status).toBe(200);
      for (const [method, path, body] of [
        ["POST", "/conversations", { content: "Still there?" }],
        ["GET", "/conversations", undefined],
      ] as const) {
        const res = await visitorCall<ErrorEnvelope>(h, method, widget.key, path, {
          token,
          ...(body ? { body } : {}),
        });
        expect([method, path, res.status, res.body.error.code]).toEqual([
          method,
          path,
          409,
          "widget.publisher_unavailable",
        ]);
      }
      expect((await setStatus("active")).status).toBe(200);
      const again = await visitorCall(h, "POST", widget.key, "/conversations", {
        token,
        body: { content: "Back?" },
      });
      expect(again.status).toBe(201);
    });

    it("stops a global admin's widget once they leave its team (409), naming no team", async () => {
      const team = await widgetTeam(h, "AdminPublisher");
      const admin = (await h.call<Me>("GET", "/api/v1/me", { token: h.adminToken })).body.user;
      await h.call("PUT", `/api/v1/teams/${team.teamId}/members/${admin.id}`, {
        token: h.adminToken,
        body: { role: "admin" },
      });
      const widget = await publish(h, h.adminToken, team);
      const { token } = await visitor(h, widget.key);
      // Another admin stays (a team keeps at least one).
      await team.member("admin");
      const removed = await h.call("DELETE", `/api/v1/teams/${team.teamId}/members/${admin.id}`, {
        token: h.adminToken,
      });
      expect(removed.status).toBe(204);
      const res = await visitorCall<ErrorEnvelope>(h, "POST", widget.key, "/conversations", {
        token,
        body: { content: "Hi" },
      });
      expect([res.status, res.body.error.code]).toEqual([409, "widget.publisher_unavailable"]);
      expect(JSON.stringify(res.body)).not.toContain(team.teamId);
    });

    it("retires the signed visitors' tokens when the secret is rotated, keeping anonymous ones", async () => {
      const team = await widgetTeam(h, "Leak");
      const widget = await publish(h, team.operator.token, team);
      // Someone who learnt the secret signs themselves in as any user of the host site.
      const impostor = await visitor(h, widget.key, { userId: "ceo", secret: widget.secret });
      const anonymous = await visitor(h, widget.key);
      const rotated = await h.call<{ secret: string }>("POST", `/api/v1/widgets/${widget.id}/rotate-secret`, {
        token: team.operator.token,
      });
      expect(rotated.status).toBe(200);
      const stale = await visitorCall<ErrorEnvelope>(h, "GET", widget.key, "/conversations", {
        token: impostor.token,
      });
      expect([stale.status, stale.body.error.code]).toEqual([401, "widget.visitor_token_invalid"]);
      // Nor does the stale token renew itself into a fresh one.
      const renewed = await visitorCall<{ visitorId: string }>(h, "POST", widget.key, "/sessions", {
        token: impostor.token,
        body: {},
      });
      expect(renewed.body.visitorId).not.toBe("user:ceo");
      expect(
        (await visitorCall(h, "GET", widget.key, "/conversations", { token: anonymous.token })).status,
      ).toBe(200);
      const fresh = await visitor(h, widget.key, { userId: "ceo", secret: rotated.body.secret });
      expect((await visitorCall(h, "GET", widget.key, "/conversations", { token: fresh.token })).status).toBe(
        200,
      );
    });
  });
}
