import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { chatTopics, type GenerationJob } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { buildMessage } from "./chat-factories.ts";
import { answerOf, openSse, type SseEvent } from "./sse-client.ts";
import { allTables } from "../all-tables.ts";

// The send enqueues the generation job while it stores the exchange, so a worker can get the job
// before the commit (and, when the send fails, for a message that never exists).
const TEXT = "alpha beta gamma delta epsilon zeta eta theta";
let fake: FakeUpstream;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeUpstream({ text: TEXT, chunks: 8, chunkDelayMs: 60 });
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
  });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

const finished = (id: string) => (events: SseEvent[]) =>
  events.some(
    (e) =>
      ["message.completed", "message.failed", "message.cancelled"].includes(e.event) &&
      (e.data as { messageId: string }).messageId === id,
  );

async function conversation(): Promise<string> {
  const res = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token: h.adminToken,
    body: { model: "fake/fake-model" },
  });
  return res.body.id;
}

describe("generation jobs that travel while the exchange is stored", () => {
  it("waits for a message committed after its job arrived, then answers from the stored history", async () => {
    const conversationId = await conversation();
    const me = await h.call<{ user: { id: string } }>("GET", "/api/v1/me", { token: h.adminToken });
    const sse = await openSse(`${h.url}/api/v1/conversations/${conversationId}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    const answerId = randomUUID();
    const questionId = randomUUID();
    const job: GenerationJob = {
      v: 1,
      conversationId,
      assistantMessageId: answerId,
      userId: me.body.user.id,
      apiKeyId: null,
      model: "fake/fake-model",
      requestId: null,
    };
    await h.parley.platform.bus.queue.enqueue(chatTopics.generate.address, { id: answerId, payload: job });
    // A slow commit: the worker has the job and keeps reading until the messages are there.
    await sleep(150);
    await allTables(h.parley.platform.database)
      .insertInto("messages")
      .values([
        buildMessage({ conversation_id: conversationId, id: questionId, content: "asked late" }),
        buildMessage({
          conversation_id: conversationId,
          parent_id: questionId,
          id: answerId,
          position: 1,
          role: "assistant",
          status: "streaming",
          model: "fake/fake-model",
          completed_at: null,
        }),
      ])
      .execute();
    const events = await sse.until(finished(answerId));
    sse.close();
    expect(events.map((e) => e.event).filter((e) => e.startsWith("message."))).toContain("message.completed");
    expect(answerOf(events, answerId).text).toBe(TEXT);
    expect(fake.requests.at(-1)?.body).toMatchObject({ messages: [{ role: "user", content: "asked late" }] });
    const view = await h.call<{ messages: { id: string; status: string; content: string }[] }>(
      "GET",
      `/api/v1/conversations/${conversationId}`,
      { token: h.adminToken },
    );
    expect(view.body.messages.at(-1)).toMatchObject({ id: answerId, status: "completed", content: TEXT });
  });

  it("drops the job of a refused send at once, without calling the model", async () => {
    const conversationId = await conversation();
    const sse = await openSse(`${h.url}/api/v1/conversations/${conversationId}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    const acked = h.parley.platform.bus.stats().acked;
    const calls = fake.requests.length;
    const first = await h.call<{ assistantMessage: { id: string } }>(
      "POST",
      `/api/v1/conversations/${conversationId}/messages`,
      { token: h.adminToken, body: { content: "first" } },
    );
    expect(first.status).toBe(202);
    // Refused while the first answer streams: its job was already on its way to a worker.
    const second = await h.call("POST", `/api/v1/conversations/${conversationId}/messages`, {
      token: h.adminToken,
      body: { content: "second" },
    });
    expect(second.status).toBe(409);
    // The refused send's job is dropped on the abandon signal, while the first answer (8 chunks,
    // 60 ms apart) still streams. Without the signal the worker would wait out its 3 s patience
    // for a message that never comes: the first job to be settled would then be the first answer's.
    const deadline = Date.now() + 2_500;
    while (h.parley.platform.bus.stats().acked < acked + 1 && Date.now() < deadline) await sleep(10);
    expect(h.parley.platform.bus.stats().acked).toBe(acked + 1);
    expect(finished(first.body.assistantMessage.id)(sse.events)).toBe(false);
    await sse.until(finished(first.body.assistantMessage.id));
    sse.close();
    expect(fake.requests.length).toBe(calls + 1);
    const view = await h.call<{ messages: { content: string }[] }>(
      "GET",
      `/api/v1/conversations/${conversationId}`,
      {
        token: h.adminToken,
      },
    );
    expect(view.body.messages.map((m) => m.content)).toEqual(["first", TEXT]);
  });
});
