import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { answerOf, openSse, type SseEvent } from "./sse-client.ts";

const TEXT =
  "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty";
let fake: FakeUpstream;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeUpstream({ text: TEXT, chunks: 20, chunkDelayMs: 40 });
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
      developer: { apiPerMinute: 100000, aiPerMinute: 100000 },
    }),
  });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

interface Sent {
  userMessage: { id: string };
  assistantMessage: { id: string; status: string };
}
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const done = (id: string) => (events: SseEvent[]) =>
  events.some(
    (e) =>
      ["message.completed", "message.failed", "message.cancelled"].includes(e.event) &&
      (e.data as { messageId: string }).messageId === id,
  );

async function conversation(token = h.adminToken): Promise<string> {
  const res = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token,
    body: { title: "Test chat", model: "fake/fake-model" },
  });
  return res.body.id;
}
async function send(id: string, content = "hello", token = h.adminToken) {
  return h.call<Sent>("POST", `/api/v1/conversations/${id}/messages`, { token, body: { content } });
}

describe("chat in embedded mode", () => {
  it("answers the event stream with the few headers a stream needs, not a document's", async () => {
    const id = await conversation();
    const controller = new AbortController();
    const res = await fetch(`${h.url}/api/v1/conversations/${id}/events`, {
      headers: { accept: "text/event-stream", ...auth(h.adminToken) },
      signal: controller.signal,
    });
    controller.abort();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    // Held open for hours, a response keeps its header block in memory: no CSP and friends.
    expect(res.headers.get("content-security-policy")).toBeNull();
    expect(res.headers.get("x-frame-options")).toBeNull();
  });

  it("answers 202 at once, streams the answer on the events endpoint, and persists it once", async () => {
    const id = await conversation();
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, auth(h.adminToken));
    const sent = await send(id);
    expect(sent.status).toBe(202);
    expect(sent.body.assistantMessage.status).toBe("streaming");
    const messageId = sent.body.assistantMessage.id;
    const events = await sse.until(done(messageId));
    sse.close();
    const { text, indexes } = answerOf(events, messageId);
    expect(text).toBe(TEXT);
    expect(indexes).toEqual([...Array(20).keys()]);
    expect(events[0]?.event).toBe("message.started");
    expect(events.at(-1)?.event).toBe("message.completed");
    expect(events.every((e) => e.id !== null)).toBe(true);
    const stored = await h.call<{
      messages: { role: string; status: string; content: string; usage: unknown }[];
    }>("GET", `/api/v1/conversations/${id}`, { token: h.adminToken });
    expect(stored.body.messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
    expect(stored.body.messages[1]?.content).toBe(TEXT);
    expect(stored.body.messages[1]?.usage).not.toBeNull();
  });

  it("refuses a second message while an answer streams (409)", async () => {
    const id = await conversation();
    const first = await send(id);
    const second = await send(id, "again");
    expect(second.status).toBe(409);
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, auth(h.adminToken));
    await sse.until(done(first.body.assistantMessage.id));
    sse.close();
  });

  it("resumes after Last-Event-ID (header) and ?lastEventId (reload) with no repeated or missing index", async () => {
    const id = await conversation();
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, auth(h.adminToken));
    const sent = await send(id);
    const messageId = sent.body.assistantMessage.id;
    await sse.until((events) => answerOf(events, messageId).indexes.length >= 5);
    sse.close();
    const firstPart = [...sse.events];
    const resumed = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
      ...auth(h.adminToken),
      "last-event-id": sse.lastId() ?? "",
    });
    await resumed.until((events) => answerOf([...firstPart, ...events], messageId).indexes.length >= 10);
    resumed.close();
    const secondPart = [...resumed.events];
    const reload = await openSse(
      `${h.url}/api/v1/conversations/${id}/events?lastEventId=${encodeURIComponent(resumed.lastId() ?? "")}`,
      auth(h.adminToken),
    );
    await reload.until(done(messageId));
    reload.close();
    const all = [...firstPart, ...secondPart, ...reload.events];
    const { text, indexes } = answerOf(all, messageId);
    expect(indexes).toEqual([...Array(20).keys()]);
    expect(text).toBe(TEXT);
  });

  it("gives a client without an id the in-flight answer from its beginning, and two tabs the same answer", async () => {
    const id = await conversation();
    const sent = await send(id);
    const messageId = sent.body.assistantMessage.id;
    await new Promise((r) => setTimeout(r, 300));
    const [tabA, tabB] = await Promise.all([
      openSse(`${h.url}/api/v1/conversations/${id}/events`, auth(h.adminToken)),
      openSse(`${h.url}/api/v1/conversations/${id}/events`, auth(h.adminToken)),
    ]);
    await Promise.all([tabA.until(done(messageId)), tabB.until(done(messageId))]);
    tabA.close();
    tabB.close();
    expect(answerOf(tabA.events, messageId).text).toBe(TEXT);
    expect(answerOf(tabB.events, messageId).indexes).toEqual([...Array(20).keys()]);
  });

  it("keeps generating when the tab closes, and stops on an explicit cancel keeping the partial text", async () => {
    const id = await conversation();
    const sent = await send(id);
    const messageId = sent.body.assistantMessage.id;
    // Nobody listening: the answer still completes.
    const watcher = await openSse(`${h.url}/api/v1/conversations/${id}/events`, auth(h.adminToken));
    await watcher.until(done(messageId));
    watcher.close();

    const next = await send(id, "and now stop");
    const stopId = next.body.assistantMessage.id;
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, auth(h.adminToken));
    await sse.until((events) => answerOf(events, stopId).indexes.length >= 3);
    const cancel = await h.call("POST", `/api/v1/messages/${stopId}/cancel`, { token: h.adminToken });
    expect(cancel.status).toBe(202);
    await sse.until(done(stopId));
    sse.close();
    expect(sse.events.at(-1)?.event).toBe("message.cancelled");
    const stored = await h.call<{ messages: { id: string; status: string; content: string }[] }>(
      "GET",
      `/api/v1/conversations/${id}`,
      {
        token: h.adminToken,
      },
    );
    const stopped = stored.body.messages.find((m) => m.id === stopId);
    expect(stopped?.status).toBe("cancelled");
    expect(stopped?.content.length).toBeGreaterThan(0);
    expect(TEXT.startsWith(stopped?.content ?? "x")).toBe(true);
  });

  it("starts cleanly from the in-flight answer when the Last-Event-ID is malformed or foreign", async () => {
    const id = await conversation();
    const sent = await send(id);
    const messageId = sent.body.assistantMessage.id;
    const clients = await Promise.all(
      ["garbage", "OTHER_LOG-123:5"].map((bogus) =>
        openSse(`${h.url}/api/v1/conversations/${id}/events`, {
          ...auth(h.adminToken),
          "last-event-id": bogus,
        }),
      ),
    );
    for (const sse of clients) {
      await sse.until(done(messageId));
      sse.close();
      expect(answerOf(sse.events, messageId).indexes).toEqual([...Array(20).keys()]);
    }
    // Once nothing is in flight, a client the log cannot place gets the last answer as a snapshot.
    const late = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
      ...auth(h.adminToken),
      "last-event-id": "OTHER_LOG-1:1",
    });
    const [snapshot] = await late.until((events) => events.length > 0);
    late.close();
    expect(snapshot?.event).toBe("snapshot");
    expect(snapshot?.data).toMatchObject({ messageId, text: TEXT, status: "completed" });
  });
});

describe("chat input and isolation", () => {
  it("answers unknown and foreign conversations with 404, empty messages with 400 and huge ones with 413", async () => {
    const mine = await conversation();
    const other = await h.user("developer");
    expect((await h.call("GET", `/api/v1/conversations/${mine}`, { token: other.token })).status).toBe(404);
    expect(
      (
        await h.call("POST", `/api/v1/conversations/${mine}/messages`, {
          token: other.token,
          body: { content: "hi" },
        })
      ).status,
    ).toBe(404);
    const events = await fetch(`${h.url}/api/v1/conversations/${mine}/events`, {
      headers: auth(other.token),
    });
    expect(events.status).toBe(404);
    expect(
      (
        await h.call("GET", "/api/v1/conversations/00000000-0000-0000-0000-000000000000", {
          token: h.adminToken,
        })
      ).status,
    ).toBe(404);
    expect((await send(mine, "")).status).toBe(400);
    expect((await send(mine, "   ")).status).toBe(400);
    expect((await send(mine, "x".repeat(100_001))).status).toBe(413);
  });

  it("lists, searches, renames and deletes conversations", async () => {
    const dev = await h.user("developer");
    const a = await conversation(dev.token);
    await h.call("PATCH", `/api/v1/conversations/${a}`, {
      token: dev.token,
      body: { title: "Quarterly planning" },
    });
    await conversation(dev.token);
    const found = await h.call<{ items: { id: string; title: string }[] }>(
      "GET",
      "/api/v1/conversations?q=quarterly",
      { token: dev.token },
    );
    expect(found.body.items.map((c) => c.id)).toEqual([a]);
    const all = await h.call<{ items: unknown[]; nextCursor: string | null }>(
      "GET",
      "/api/v1/conversations?limit=1",
      { token: dev.token },
    );
    expect(all.body.items).toHaveLength(1);
    expect(all.body.nextCursor).not.toBeNull();
    const next = await h.call<{ items: { id: string }[]; nextCursor: string | null }>(
      "GET",
      `/api/v1/conversations?limit=1&cursor=${all.body.nextCursor ?? ""}`,
      { token: dev.token },
    );
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0]?.id).not.toBe((all.body.items[0] as { id: string }).id);
    expect(next.body.nextCursor).toBeNull();
    expect((await h.call("GET", "/api/v1/conversations?cursor=bm9wZQ", { token: dev.token })).status).toBe(
      400,
    );
    expect((await h.call("DELETE", `/api/v1/conversations/${a}`, { token: dev.token })).status).toBe(204);
    expect((await h.call("GET", `/api/v1/conversations/${a}`, { token: dev.token })).status).toBe(404);
  });
});
