import type {
  CreatedWidget,
  ErrorCode,
  VisitorExchange,
  VisitorStreamError,
  WidgetSecret,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSse, type SseConnection } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, uniqueId } from "../services.ts";
import { HOST, publish, visitor, visitorCall, widgetTeam, widgetTestEnv } from "./widget-support.ts";

/**
 * A visitor's open event stream lasts only as long as a new request of theirs would be accepted:
 * rotating the secret (signed visitors), deleting the widget or switching it off ends it at once
 * with a `stream.error` event, on the pod that made the change and on every other one.
 */
const HIGH = { visitorPerHour: 10_000, ipPerHour: 10_000, widgetPerDay: 10_000 };

describe.each(["embedded", "distributed"] as const)(
  "visitor streams after a widget changes (%s)",
  (shape) => {
    let fake: FakeUpstream;
    /** The pod changes are made on, and the other one (the same in embedded). */
    let podA: Harness;
    let podB: Harness;
    let database: TestPostgres | null = null;
    const namespace = uniqueId("wstreams");
    const open: SseConnection[] = [];

    beforeAll(async () => {
      fake = await startFakeUpstream({ chunks: 2 });
      database = shape === "distributed" ? await createTestPostgres() : null;
      const env = widgetTestEnv(
        fake.url,
        database
          ? { databaseUrl: database.url, namespace, secretKey: "widget-streams-secret-key-0123456789abcdef" }
          : null,
      );
      podA = await startHarness(env);
      podB = database ? await startHarness(env) : podA;
    }, 120_000);
    afterAll(async () => {
      for (const sse of open) sse.close();
      if (podB !== podA) await podB.stop();
      await podA.stop();
      await fake.close();
      await database?.drop();
      if (database) await cleanupNamespace(namespace);
    });

    /** A visitor's conversation on `widget` with its first answer, and their stream on `pod`. */
    async function following(widget: CreatedWidget, pod: Harness, user?: { userId: string; secret: string }) {
      const session = await visitor(podA, widget.key, user);
      const started = await visitorCall<VisitorExchange>(podA, "POST", widget.key, "/conversations", {
        token: session.token,
        body: { content: "Hello" },
      });
      expect(started.status).toBe(201);
      const sse = await openSse(
        `${pod.url}/api/v1/widget-api/${widget.key}/conversations/${started.body.conversationId}/events`,
        { origin: HOST, "x-parley-visitor": session.token },
      );
      open.push(sse);
      return { sse, token: session.token, conversationId: started.body.conversationId };
    }

    /** The stream's last event is `stream.error` with `code` and `status`, and the server ended it. */
    async function endedWith(sse: SseConnection, code: ErrorCode, status: number, message: string) {
      await sse.until((events) => events.some((e) => e.event === "stream.error"));
      await sse.ended;
      const last = sse.events.at(-1);
      expect(last?.event).toBe("stream.error");
      expect(last?.data).toEqual({
        type: "stream.error",
        status,
        error: { code, message },
      } satisfies VisitorStreamError);
    }

    it("ends a signed visitor's streams on every pod when the secret is rotated, and leaves an anonymous visitor's", async () => {
      const team = await widgetTeam(podA, "Rotate");
      const widget = await publish(podA, team.operator.token, team, { limits: HIGH });
      const user = { userId: "42", secret: widget.secret };
      const signedHere = await following(widget, podA, user);
      const signedThere = await following(widget, podB, user);
      const anonymous = await following(widget, podB);
      const rotated = await podA.call<WidgetSecret>("POST", `/api/v1/widgets/${widget.id}/rotate-secret`, {
        token: team.operator.token,
      });
      expect(rotated.status).toBe(200);
      const words = "Your chat session has ended. Please start a new one.";
      await endedWith(signedHere.sse, "widget.visitor_token_invalid", 401, words);
      await endedWith(signedThere.sse, "widget.visitor_token_invalid", 401, words);
      // The anonymous visitor's stream still carries their next answer.
      const sent = await visitorCall<VisitorExchange>(
        podA,
        "POST",
        widget.key,
        `/conversations/${anonymous.conversationId}/messages`,
        { token: anonymous.token, body: { content: "Still there?" } },
      );
      expect(sent.status).toBe(202);
      await anonymous.sse.until((events) =>
        events.some(
          (e) =>
            e.event === "message.completed" &&
            (e.data as { messageId: string }).messageId === sent.body.assistantMessage.id,
        ),
      );
      expect(anonymous.sse.events.some((e) => e.event === "stream.error")).toBe(false);
    });

    it("ends every visitor's streams on every pod when the widget is deleted", async () => {
      const team = await widgetTeam(podA, "Delete");
      const widget = await publish(podA, team.operator.token, team, { limits: HIGH });
      const here = await following(widget, podA);
      const there = await following(widget, podB);
      // Its two visitors' conversations go with it.
      const deleted = await podA.call("DELETE", `/api/v1/widgets/${widget.id}?deleteConversations=2`, {
        token: team.operator.token,
      });
      expect(deleted.status).toBe(204);
      const words = "This chat is not available right now.";
      await endedWith(here.sse, "widget.not_found", 404, words);
      await endedWith(there.sse, "widget.not_found", 404, words);
    });

    it("ends every visitor's streams on every pod when the widget is switched off", async () => {
      const team = await widgetTeam(podA, "Switch off");
      const widget = await publish(podA, team.operator.token, team, { limits: HIGH });
      const here = await following(widget, podA);
      const there = await following(widget, podB);
      const off = await podA.call("PATCH", `/api/v1/widgets/${widget.id}`, {
        token: team.operator.token,
        body: { enabled: false },
      });
      expect(off.status).toBe(200);
      const words = "This chat is not available right now.";
      await endedWith(here.sse, "widget.disabled", 403, words);
      await endedWith(there.sse, "widget.disabled", 403, words);
    });
  },
);
