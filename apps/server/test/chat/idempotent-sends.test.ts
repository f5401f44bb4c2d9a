import type {
  Conversation,
  ConversationWithMessages,
  CreatedConversation,
  ErrorEnvelope,
  Page,
  SendMessageResponse,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

/**
 * `Idempotency-Key` on sends: a client that lost the answer to its request (a dropped connection,
 * a proxy's retry, a job delivered again) sends it again and gets what the first one stored,
 * whenever the retry comes, and however many arrive at once: the model is asked once.
 */
describe.each(["SQLite", "PostgreSQL"] as const)("idempotent sends on %s", (dialect) => {
  let fake: FakeUpstream;
  let h: Harness;
  let database: TestPostgres | null;
  let dev: Awaited<ReturnType<Harness["user"]>>;
  beforeAll(async () => {
    // 20 chunks 20 ms apart: retries arrive while the first answer still streams.
    fake = await startFakeUpstream({ chunks: 20, chunkDelayMs: 20 });
    database = dialect === "PostgreSQL" ? await createTestPostgres() : null;
    h = await startHarness({
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      ...(database
        ? { PARLEY_DATABASE_URL: database.url, PARLEY_SECRET_KEY: "idempotent-sends-secret-0123456789abcdef" }
        : {}),
    });
    dev = await h.user("developer");
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await database?.drop();
    await fake.close();
  });

  const create = (token: string, key: string | undefined, content: string) =>
    h.call<CreatedConversation & ErrorEnvelope>("POST", "/api/v1/conversations", {
      token,
      body: { message: { content } },
      ...(key === undefined ? {} : { headers: { "idempotency-key": key } }),
    });
  const send = (token: string, conversationId: string, key: string | undefined, content: string) =>
    h.call<SendMessageResponse & ErrorEnvelope>("POST", `/api/v1/conversations/${conversationId}/messages`, {
      token,
      body: { content },
      ...(key === undefined ? {} : { headers: { "idempotency-key": key } }),
    });
  const messages = async (token: string, id: string) =>
    (await h.call<ConversationWithMessages>("GET", `/api/v1/conversations/${id}`, { token })).body.messages;
  /** Waits until no answer of the conversation streams. */
  const settled = (token: string, id: string) =>
    expect
      .poll(async () => (await messages(token, id)).every((m) => m.status !== "streaming"), {
        timeout: 20_000,
      })
      .toBe(true);
  /** How many times the model was asked for `content` (as the last user message). */
  const asked = (content: string) =>
    fake.requests.filter((r) => {
      const body = r.body as { messages?: { role: string; content: unknown }[] };
      const last = body.messages?.findLast((m) => m.role === "user");
      return JSON.stringify(last?.content ?? "").includes(content);
    }).length;

  it("answers a retried send with the exchange the first one stored, during and after the answer", async () => {
    const started = await create(dev.token, undefined, "Start here");
    await settled(dev.token, started.body.id);
    const first = await send(dev.token, started.body.id, "send-1", "Only once, please");
    expect(first.status).toBe(202);
    const during = await send(dev.token, started.body.id, "send-1", "Only once, please");
    expect([during.status, during.body.userMessage.id, during.body.assistantMessage.id]).toEqual([
      202,
      first.body.userMessage.id,
      first.body.assistantMessage.id,
    ]);
    await settled(dev.token, started.body.id);
    const after = await send(dev.token, started.body.id, "send-1", "Only once, please");
    expect(after.body.userMessage.id).toBe(first.body.userMessage.id);
    expect(after.body.assistantMessage).toMatchObject({
      id: first.body.assistantMessage.id,
      status: "completed",
    });
    const stored = await messages(dev.token, started.body.id);
    expect(stored.filter((m) => m.content === "Only once, please")).toHaveLength(1);
    expect(asked("Only once, please")).toBe(1);
    // Without a key (or with another one) a message is a new message.
    const next = await send(dev.token, started.body.id, "send-2", "Only once, please");
    expect(next.status).toBe(202);
    expect(next.body.userMessage.id).not.toBe(first.body.userMessage.id);
    await settled(dev.token, started.body.id);
  });

  it("stores one message when 20 retries of a send arrive at once", async () => {
    const started = await create(dev.token, undefined, "Another start");
    await settled(dev.token, started.body.id);
    const all = await Promise.all(
      Array.from({ length: 20 }, () => send(dev.token, started.body.id, "burst", "Twenty at once")),
    );
    expect(all.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 202));
    expect(new Set(all.map((r) => r.body.userMessage.id)).size).toBe(1);
    expect(new Set(all.map((r) => r.body.assistantMessage.id)).size).toBe(1);
    await settled(dev.token, started.body.id);
    expect(
      (await messages(dev.token, started.body.id)).filter((m) => m.content === "Twenty at once"),
    ).toHaveLength(1);
    expect(asked("Twenty at once")).toBe(1);
  });

  it("starts one conversation for a retried start, also for 20 at once, and keeps keys per user", async () => {
    const list = async (token: string) =>
      (await h.call<Page<Conversation>>("GET", "/api/v1/conversations?limit=100", { token })).body.items;
    const all = await Promise.all(
      Array.from({ length: 20 }, () => create(dev.token, "start-1", "Begin a conversation once")),
    );
    expect(all.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 201));
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    expect(new Set(all.map((r) => r.body.assistantMessage?.id)).size).toBe(1);
    const id = all[0]?.body.id ?? "";
    await settled(dev.token, id);
    const later = await create(dev.token, "start-1", "Begin a conversation once");
    expect([later.body.id, later.body.userMessage?.id]).toEqual([id, all[0]?.body.userMessage?.id]);
    expect((await list(dev.token)).filter((c) => c.id === id)).toHaveLength(1);
    expect((await messages(dev.token, id)).map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(asked("Begin a conversation once")).toBe(1);
    // Someone else's key is their own.
    const other = await h.user("developer");
    const theirs = await create(other.token, "start-1", "Begin a conversation once");
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(id);
    await settled(other.token, theirs.body.id);
  });

  it("never answers a narrower key of the same person with a conversation it may not reach", async () => {
    const teamOf = async (name: string) => {
      const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name },
      });
      await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${dev.id}`, {
        token: h.adminToken,
        body: { role: "developer" },
      });
      return team.body.id;
    };
    const [a, b] = [await teamOf(`Keys A ${dialect}`), await teamOf(`Keys B ${dialect}`)];
    const inA = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
      token: dev.token,
      body: { teamId: a, message: { content: "Team A's plans" } },
      headers: { "idempotency-key": "plans" },
    });
    expect(inA.status).toBe(201);
    await settled(dev.token, inA.body.id);
    // The same person's key, bound to team B, replays the key: it gets nothing of team A's.
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: {
        name: "team B only",
        permissions: ["conversations:read", "conversations:write", "ai:use"],
        teamId: b,
      },
    });
    expect(key.status).toBe(201);
    const replay = await h.call<CreatedConversation & ErrorEnvelope>("POST", "/api/v1/conversations", {
      token: key.body.key,
      body: { message: { content: "Team A's plans" } },
      headers: { "idempotency-key": "plans" },
    });
    expect(replay.status).toBe(422);
    expect(JSON.stringify(replay.body)).not.toContain(inA.body.id);
  });

  it("refuses a key sent again with another message, and a malformed key, storing nothing", async () => {
    const started = await create(dev.token, "start-2", "The first words");
    await settled(dev.token, started.body.id);
    const other = await create(dev.token, "start-2", "Other words");
    expect([other.status, other.body.error.code]).toEqual([422, "idempotency.key_reused"]);
    await send(dev.token, started.body.id, "send-3", "A message");
    await settled(dev.token, started.body.id);
    const reused = await send(dev.token, started.body.id, "send-3", "Another message");
    expect([reused.status, reused.body.error.code]).toEqual([422, "idempotency.key_reused"]);
    for (const key of ["", "x".repeat(201), "with space", "k\u00e9y"]) {
      const bad = await send(dev.token, started.body.id, key, "Malformed key");
      expect([bad.status, bad.body.error.code], JSON.stringify(key)).toEqual([400, "validation.failed"]);
    }
    const contents = (await messages(dev.token, started.body.id)).map((m) => m.content);
    expect(contents.filter((c) => c === "Another message" || c === "Malformed key")).toEqual([]);
    expect(asked("Other words")).toBe(0);
  });
});
