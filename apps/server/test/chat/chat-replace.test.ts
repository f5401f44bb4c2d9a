import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { openSse, type SseEvent } from "./sse-client.ts";

let fake: FakeUpstream;
let h: Harness;
let database: TestPostgres | null = null;

beforeAll(async () => {
  // The answer names the last thing it was asked, so the context each answer saw is visible.
  fake = await startFakeUpstream({
    chunks: 4,
    chunkDelayMs: 20,
    textFor: (body) => {
      const messages = (body as { messages: { role: string; content: string }[] }).messages;
      return `answer to ${messages.at(-1)?.content ?? "?"} after ${messages.length} messages`;
    },
  });
});
afterAll(async () => {
  await fake.close();
});

/** One Parley on SQLite, or on PostgreSQL (where the exchange is stored in one statement). */
async function startParley(dialect: "SQLite" | "PostgreSQL"): Promise<void> {
  database = dialect === "PostgreSQL" ? await createTestPostgres() : null;
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
      developer: { apiPerMinute: 100000, aiPerMinute: 100000 },
    }),
    ...(database
      ? { PARLEY_DATABASE_URL: database.url, PARLEY_SECRET_KEY: "chat-replace-test-secret-0123456789abcdef" }
      : {}),
  });
}

interface View {
  messages: { id: string; role: string; content: string; status: string }[];
}
interface Sent {
  userMessage: { id: string };
  assistantMessage: { id: string; status: string };
}

async function conversation(): Promise<string> {
  const res = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token: h.adminToken,
    body: { model: "fake/fake-model" },
  });
  return res.body.id;
}

/**
 * Waits until the answer is final and returns the conversation as the API shows it. The stream
 * opens before the conversation is read (as the web app does), so an answer that ends in between
 * is seen either way: a client without Last-Event-ID is sent only the in-flight answer.
 */
async function settled(conversationId: string, answerId: string): Promise<View> {
  const load = async () =>
    (await h.call<View>("GET", `/api/v1/conversations/${conversationId}`, { token: h.adminToken })).body;
  const sse = await openSse(`${h.url}/api/v1/conversations/${conversationId}/events`, {
    authorization: `Bearer ${h.adminToken}`,
  });
  try {
    const before = await load();
    if (before.messages.find((m) => m.id === answerId)?.status !== "streaming") return before;
    await sse.until((events: SseEvent[]) =>
      events.some(
        (e) =>
          ["message.completed", "message.failed", "message.cancelled", "snapshot"].includes(e.event) &&
          (e.data as { messageId: string; status?: string }).messageId === answerId &&
          (e.event !== "snapshot" || (e.data as { status: string }).status !== "streaming"),
      ),
    );
  } finally {
    sse.close();
  }
  return load();
}

async function exchange(id: string, content: string, editOf?: string) {
  const sent = await h.call<Sent>("POST", `/api/v1/conversations/${id}/messages`, {
    token: h.adminToken,
    body: { content, ...(editOf ? { editOf } : {}) },
  });
  expect(sent.status).toBe(202);
  return { sent: sent.body, view: await settled(id, sent.body.assistantMessage.id) };
}

const shape = (view: View) => view.messages.map((m) => `${m.role}:${m.content}`);

describe.each(["SQLite", "PostgreSQL"] as const)("regenerate and edit on %s", (dialect) => {
  beforeAll(() => startParley(dialect));
  afterAll(async () => {
    await h.stop();
    await database?.drop();
  });

  it("regenerates an answer in place: the old one leaves the view and the model's context", async () => {
    const id = await conversation();
    await exchange(id, "first");
    const { sent } = await exchange(id, "second");
    const regen = await h.call<{ assistantMessage: { id: string; status: string } }>(
      "POST",
      `/api/v1/messages/${sent.assistantMessage.id}/regenerate`,
      { token: h.adminToken, body: {} },
    );
    expect(regen.status).toBe(202);
    expect(regen.body.assistantMessage.status).toBe("streaming");
    const view = await settled(id, regen.body.assistantMessage.id);
    expect(shape(view)).toEqual([
      "user:first",
      "assistant:answer to first after 1 messages",
      "user:second",
      "assistant:answer to second after 3 messages",
    ]);
    expect(fake.requests.at(-1)?.body).toMatchObject({
      messages: [
        { content: "first" },
        { content: "answer to first after 1 messages" },
        { content: "second" },
      ],
    });
    expect(view.messages.at(-1)?.id).toBe(regen.body.assistantMessage.id);
    // The old answer is kept for the record but can no longer be regenerated or edited.
    const again = await h.call("POST", `/api/v1/messages/${sent.assistantMessage.id}/regenerate`, {
      token: h.adminToken,
      body: {},
    });
    expect(again.status).toBe(404);
  });

  it("regenerates an earlier answer, replacing everything after it, without a request body", async () => {
    const id = await conversation();
    const { sent: first } = await exchange(id, "first");
    await exchange(id, "second");
    const regen = await h.call<{ assistantMessage: { id: string } }>(
      "POST",
      `/api/v1/messages/${first.assistantMessage.id}/regenerate`,
      { token: h.adminToken },
    );
    expect(regen.status).toBe(202);
    const view = await settled(id, regen.body.assistantMessage.id);
    expect(shape(view)).toEqual(["user:first", "assistant:answer to first after 1 messages"]);
  });

  it("edits a sent message: it and everything after it are replaced by the new exchange", async () => {
    const id = await conversation();
    const { sent: first } = await exchange(id, "first");
    await exchange(id, "second");
    const { view } = await exchange(id, "first, reworded", first.userMessage.id);
    // The first message named the conversation; an edit does not rename it.
    const titled = await h.call<{ title: string }>("GET", `/api/v1/conversations/${id}`, {
      token: h.adminToken,
    });
    expect(titled.body.title).toBe("first");
    expect(shape(view)).toEqual([
      "user:first, reworded",
      "assistant:answer to first, reworded after 1 messages",
    ]);
    const audit = await h.call<{ items: { action: string }[] }>(
      "GET",
      `/api/v1/audit?targetId=${id}&limit=50`,
      { token: h.adminToken },
    );
    expect(audit.body.items.map((e) => e.action)).toContain("message.edited");
  });

  it("refuses to regenerate or edit the wrong message, and while an answer streams", async () => {
    const id = await conversation();
    const { sent } = await exchange(id, "first");
    const other = await conversation();
    // A user message cannot be regenerated; an answer cannot be edited.
    const regenUser = await h.call<{ error: { code: string } }>(
      "POST",
      `/api/v1/messages/${sent.userMessage.id}/regenerate`,
      { token: h.adminToken, body: {} },
    );
    expect([regenUser.status, regenUser.body.error.code]).toEqual([404, "message.not_found"]);
    const editAnswer = await h.call<{ error: { code: string } }>(
      "POST",
      `/api/v1/conversations/${id}/messages`,
      {
        token: h.adminToken,
        body: { content: "x", editOf: sent.assistantMessage.id },
      },
    );
    expect([editAnswer.status, editAnswer.body.error.code]).toEqual([404, "message.not_found"]);
    // A message of another conversation is not one of this one.
    const editForeign = await h.call("POST", `/api/v1/conversations/${other}/messages`, {
      token: h.adminToken,
      body: { content: "x", editOf: sent.userMessage.id },
    });
    expect(editForeign.status).toBe(404);
    // Someone else's answer is invisible.
    const stranger = await h.user("developer");
    const foreign = await h.call("POST", `/api/v1/messages/${sent.assistantMessage.id}/regenerate`, {
      token: stranger.token,
      body: {},
    });
    expect(foreign.status).toBe(404);
    const unknown = await h.call("POST", `/api/v1/messages/nope/regenerate`, {
      token: h.adminToken,
      body: {},
    });
    expect(unknown.status).toBe(404);
    const badBody = await h.call<{ error: { code: string } }>(
      "POST",
      `/api/v1/messages/${sent.assistantMessage.id}/regenerate`,
      { token: h.adminToken, body: { model: "", extra: 1 } },
    );
    expect([badBody.status, badBody.body.error.code]).toEqual([400, "validation.failed"]);
    // While an answer streams, nothing is replaced. (This answer is slowed down so that it still
    // streams when the regenerate arrives, however loaded the machine.)
    fake.configure({ chunkDelayMs: 400 });
    const streaming = await h.call<Sent>("POST", `/api/v1/conversations/${id}/messages`, {
      token: h.adminToken,
      body: { content: "second" },
    });
    const busy = await h.call<{ error: { code: string } }>(
      "POST",
      `/api/v1/messages/${sent.assistantMessage.id}/regenerate`,
      { token: h.adminToken, body: {} },
    );
    fake.configure({ chunkDelayMs: 20 });
    expect([busy.status, busy.body.error.code]).toEqual([409, "resource.conflict"]);
    const view = await settled(id, streaming.body.assistantMessage.id);
    expect(shape(view)).toEqual([
      "user:first",
      "assistant:answer to first after 1 messages",
      "user:second",
      "assistant:answer to second after 3 messages",
    ]);
  });

  it("refuses to send or regenerate for an API key without ai:use, even when its owner has it", async () => {
    const id = await conversation();
    const { sent } = await exchange(id, "first");
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: h.adminToken,
      body: { name: "chat-only", permissions: ["conversations:read", "conversations:write"] },
    });
    expect(key.status).toBe(201);
    const send = await h.call<{ error: { code: string } }>("POST", `/api/v1/conversations/${id}/messages`, {
      token: key.body.key,
      body: { content: "through a key" },
    });
    expect([send.status, send.body.error.code]).toEqual([403, "auth.forbidden"]);
    const regen = await h.call<{ error: { code: string } }>(
      "POST",
      `/api/v1/messages/${sent.assistantMessage.id}/regenerate`,
      { token: key.body.key, body: {} },
    );
    expect([regen.status, regen.body.error.code]).toEqual([403, "auth.forbidden"]);
    // Reading still works, and nothing was added.
    const view = await h.call<View>("GET", `/api/v1/conversations/${id}`, { token: key.body.key });
    expect(shape(view.body)).toEqual(["user:first", "assistant:answer to first after 1 messages"]);
  });
});
