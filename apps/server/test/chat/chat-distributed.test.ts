import { fakeProviders } from "../parley-harness.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { eventually, runParley, type ParleyProcess } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { answerOf, openSse, type SseEvent } from "./sse-client.ts";

/**
 * The streaming contract across real processes: two api pods, a worker, PostgreSQL, NATS
 * JetStream and Redis, and pods killed mid-answer.
 */
const CHUNKS = 30;
const namespace = uniqueId("chat");
const dataDir = mkdtempSync(join(tmpdir(), "parley-chat-dist-"));
let database: TestPostgres;
let fake: FakeUpstream;
const processes: ParleyProcess[] = [];
let token = "";
let text = "";

function start(role: "api" | "worker"): ParleyProcess {
  const p = runParley(["start", "--role", role, "--port", "0", "--host", "127.0.0.1"], {
    PARLEY_DATABASE_URL: database.url,
    PARLEY_NATS_URL: testServices.natsUrl,
    PARLEY_REDIS_URL: testServices.redisUrl,
    PARLEY_NAMESPACE: namespace,
    PARLEY_SECRET_KEY: "chat-distributed-secret-key-0123456789",
    PARLEY_DATA_DIR: dataDir,
    PARLEY_ADMIN_EMAIL: "chat@parley.test",
    PARLEY_ADMIN_PASSWORD: "chatting across pods",
    PARLEY_OLLAMA_DETECT: "false",
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
    PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
  });
  processes.push(p);
  return p;
}
const listening = (p: ParleyProcess) => p.listening(60_000);

beforeAll(async () => {
  database = await createTestPostgres();
  fake = await startFakeUpstream({ chunks: CHUNKS, chunkDelayMs: 60 });
  const api = start("api");
  const url = await listening(api);
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "chat@parley.test", password: "chatting across pods" }),
  });
  token = ((await login.json()) as { accessToken: string }).accessToken;
}, 90_000);

afterAll(async () => {
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited()));
  await fake.close();
  await database.drop();
  await cleanupNamespace(namespace);
});

const headers = () => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
const finished = (id: string) => (events: SseEvent[]) =>
  events.some(
    (e) =>
      ["message.completed", "message.failed", "message.cancelled"].includes(e.event) &&
      (e.data as { messageId: string }).messageId === id,
  );

async function newAnswer(url: string): Promise<{ conversationId: string; messageId: string }> {
  const conv = await fetch(`${url}/api/v1/conversations`, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ model: "fake/fake-model" }),
  });
  const conversationId = ((await conv.json()) as { id: string }).id;
  const sent = await fetch(`${url}/api/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: headers(),
    body: JSON.stringify({ content: "tell me everything" }),
  });
  expect(sent.status).toBe(202);
  return {
    conversationId,
    messageId: ((await sent.json()) as { assistantMessage: { id: string } }).assistantMessage.id,
  };
}
const events = (url: string, conversationId: string, extra: Record<string, string> = {}, query = "") =>
  openSse(`${url}/api/v1/conversations/${conversationId}/events${query}`, {
    authorization: `Bearer ${token}`,
    ...extra,
  });

describe("streaming chat across pods", () => {
  it("resumes on pod B after pod A is killed mid-answer, and after a reload, with every index exactly once", async () => {
    const [a, b, worker] = [start("api"), start("api"), start("worker")];
    const [urlA, urlB] = await Promise.all([listening(a), listening(b), listening(worker)]);
    const { conversationId, messageId } = await newAnswer(urlA);
    const onA = await events(urlA, conversationId);
    await onA.until((ev) => answerOf(ev, messageId).indexes.length >= CHUNKS / 3);
    a.kill("SIGKILL");
    await onA.ended;
    const partA = [...onA.events];

    const onB = await events(urlB, conversationId, { "last-event-id": onA.lastId() ?? "" });
    await onB.until((ev) => answerOf([...partA, ...ev], messageId).indexes.length >= (2 * CHUNKS) / 3);
    onB.close();
    const partB = [...onB.events];
    // A reload: a new connection that names its position only in the query string.
    const reload = await events(
      urlB,
      conversationId,
      {},
      `?lastEventId=${encodeURIComponent(onB.lastId() ?? "")}`,
    );
    await reload.until(finished(messageId));
    reload.close();

    const joined = answerOf([...partA, ...partB, ...reload.events], messageId);
    expect(joined.indexes).toEqual([...Array(CHUNKS).keys()]);
    text ||= joined.text;
    expect(joined.text.length).toBeGreaterThan(0);
    expect(reload.events.at(-1)?.event).toBe("message.completed");
    const stored = await fetch(`${urlB}/api/v1/conversations/${conversationId}`, { headers: headers() });
    const body = (await stored.json()) as { messages: { id: string; content: string; status: string }[] };
    expect(body.messages.find((m) => m.id === messageId)).toMatchObject({
      status: "completed",
      content: joined.text,
    });
  }, 90_000);

  it("gives two tabs on different pods the whole answer", async () => {
    const [a, b] = [start("api"), start("api")];
    const [urlA, urlB] = await Promise.all([listening(a), listening(b)]);
    const { conversationId, messageId } = await newAnswer(urlA);
    const [tab1, tab2] = await Promise.all([events(urlA, conversationId), events(urlB, conversationId)]);
    await Promise.all([tab1.until(finished(messageId), 30_000), tab2.until(finished(messageId), 30_000)]);
    tab1.close();
    tab2.close();
    expect(answerOf(tab1.events, messageId)).toEqual(answerOf(tab2.events, messageId));
    expect(answerOf(tab1.events, messageId).indexes).toEqual([...Array(CHUNKS).keys()]);
  }, 90_000);

  it("drains a pod on SIGTERM: its clients are told to retry and resume on another pod", async () => {
    const [a, b] = [start("api"), start("api")];
    const [urlA, urlB] = await Promise.all([listening(a), listening(b)]);
    const { conversationId, messageId } = await newAnswer(urlA);
    const onA = await events(urlA, conversationId);
    await onA.until((ev) => answerOf(ev, messageId).indexes.length >= 5);
    a.kill("SIGTERM");
    await onA.ended;
    expect(await a.exited()).toBe(0);
    const onB = await events(urlB, conversationId, { "last-event-id": onA.lastId() ?? "" });
    await onB.until(finished(messageId), 30_000);
    onB.close();
    expect(answerOf([...onA.events, ...onB.events], messageId).indexes).toEqual([...Array(CHUNKS).keys()]);
  }, 90_000);

  it("cancels from another pod: the stop reaches the worker, the partial text is kept", async () => {
    const [a, b] = [start("api"), start("api")];
    const [urlA, urlB] = await Promise.all([listening(a), listening(b)]);
    // 9 s of answer: the stop lands mid-answer however loaded the machine (it ends it at once).
    fake.configure({ chunkDelayMs: 300 });
    const { conversationId, messageId } = await newAnswer(urlA);
    const sse = await events(urlA, conversationId);
    await sse.until((ev) => answerOf(ev, messageId).indexes.length >= 3);
    const cancel = await fetch(`${urlB}/api/v1/messages/${messageId}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(cancel.status).toBe(202);
    await sse.until(finished(messageId), 30_000);
    sse.close();
    expect(sse.events.at(-1)?.event).toBe("message.cancelled");
    const stored = await fetch(`${urlB}/api/v1/conversations/${conversationId}`, { headers: headers() });
    const message = (
      (await stored.json()) as { messages: { id: string; status: string; content: string }[] }
    ).messages.find((m) => m.id === messageId);
    expect(message?.status).toBe("cancelled");
    expect(message?.content).toBe(answerOf(sse.events, messageId).text);
    fake.configure({ chunkDelayMs: 60 });
  }, 90_000);

  it("generates an answer again on another worker when its worker is killed mid-answer; a second loss fails it", async () => {
    // Stop every worker started so far, then run exactly one.
    for (const p of processes) if (p.output().includes("role worker")) p.kill("SIGKILL");
    fake.configure({ chunkDelayMs: 150 }); // 4.5 s: killed well before it ends
    const api = start("api");
    const first = start("worker");
    const [url] = await Promise.all([listening(api), listening(first)]);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const stored = async (id: string) =>
      (
        await client.query<{ status: string; content: string }>(
          "select status, content from messages where id = $1",
          [id],
        )
      ).rows[0];
    const restarted = (id: string) => (events: SseEvent[]) =>
      events.some(
        (e) => e.event === "message.restarted" && (e.data as { messageId: string }).messageId === id,
      );
    try {
      const { conversationId, messageId } = await newAnswer(url);
      const sse = await events(url, conversationId);
      // Killed once the worker stored some progress.
      await eventually(
        "the answer's progress to be stored",
        async () => ((await stored(messageId))?.content ?? "").length > 0,
      );
      first.kill("SIGKILL");
      const second = start("worker");
      await listening(second);
      // The client is told the answer starts again, then gets all of it, each index once.
      await sse.until(finished(messageId), 60_000);
      sse.close();
      expect(restarted(messageId)(sse.events)).toBe(true);
      expect(sse.events.at(-1)?.event).toBe("message.completed");
      const answer = answerOf(sse.events, messageId);
      expect(answer.indexes).toEqual([...Array(CHUNKS).keys()]);
      expect(await stored(messageId)).toEqual({ status: "completed", content: answer.text });
      // A reload after it ended gets the stored answer: the new text, not the first attempt's too.
      const reload = await events(url, conversationId, {}, "?lastEventId=elsewhere:1");
      const [snapshot] = await reload.until((ev) => ev.some((e) => e.event === "snapshot"), 30_000);
      reload.close();
      expect(snapshot?.data).toMatchObject({ messageId, text: answer.text, status: "completed" });

      // Lost again while generated the second time: failed, keeping what the retry streamed.
      const again = await newAnswer(url);
      const sse2 = await events(url, again.conversationId);
      await eventually(
        "the second answer's progress to be stored",
        async () => ((await stored(again.messageId))?.content ?? "").length > 0,
      );
      second.kill("SIGKILL");
      const third = start("worker");
      await listening(third);
      await sse2.until(
        (ev) => restarted(again.messageId)(ev) && answerOf(ev, again.messageId).indexes.length >= 3,
        60_000,
      );
      third.kill("SIGKILL");
      await sse2.until(finished(again.messageId), 60_000);
      sse2.close();
      const failed = sse2.events.at(-1);
      expect(failed?.event).toBe("message.failed");
      expect(failed?.data).toMatchObject({ messageId: again.messageId, error: { code: "worker.lost" } });
      const row = await stored(again.messageId);
      expect(row?.status).toBe("failed");
      // The retry's text (the log's, the sweep prefers it), not the first attempt's.
      const streamed = answerOf(sse2.events, again.messageId);
      expect(streamed.indexes.length).toBeLessThan(CHUNKS);
      expect(row?.content).toBe(streamed.text);
    } finally {
      await client.end();
    }
  }, 180_000);
});
