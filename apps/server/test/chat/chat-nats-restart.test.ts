import { fakeProviders } from "../parley-harness.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { eventually, runParley, type ParleyProcess } from "../process-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { answerOf, openSse, type SseConnection, type SseEvent } from "./sse-client.ts";

/**
 * NATS restarted mid-answer. The test runs its own NATS server (same binary as the machine's),
 * so restarting it disturbs no other test.
 */
const CHUNKS = 40;
let natsPort = 0;
const natsStore = mkdtempSync(join(tmpdir(), "parley-nats-"));
let nats: ChildProcess | undefined;
let database: TestPostgres;
let fake: FakeUpstream;
const pods: ParleyProcess[] = [];
const namespace = uniqueId("natsr");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

async function startNats(): Promise<void> {
  nats = spawn(
    "/usr/sbin/nats-server",
    ["-a", "127.0.0.1", "-p", String(natsPort), "-js", "-sd", natsStore],
    { stdio: "ignore" },
  );
  await eventually("NATS to listen", async () => {
    const res = await fetch(`http://127.0.0.1:${natsPort}`).catch((e: unknown) => e);
    // NATS answers HTTP with garbage; a refused connection is what we wait out.
    return !(res instanceof Error && /ECONNREFUSED/.test(String((res as Error & { cause?: unknown }).cause)));
  });
}

async function stopNats(): Promise<void> {
  const child = nats;
  if (!child) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
    child.kill("SIGKILL");
  });
}

beforeAll(async () => {
  natsPort = await freePort();
  await startNats();
  database = await createTestPostgres();
  fake = await startFakeUpstream({ chunks: CHUNKS, chunkDelayMs: 50 });
}, 60_000);
afterAll(async () => {
  for (const p of pods) p.kill();
  await Promise.all(pods.map((p) => p.exited()));
  await stopNats();
  await fake.close();
  await database.drop();
  await cleanupNamespace(namespace);
});

function start(role: "api" | "worker"): ParleyProcess {
  const p = runParley(["start", "--role", role, "--port", "0", "--host", "127.0.0.1"], {
    PARLEY_DATABASE_URL: database.url,
    PARLEY_NATS_URL: `nats://127.0.0.1:${natsPort}`,
    PARLEY_REDIS_URL: testServices.redisUrl,
    PARLEY_NAMESPACE: namespace,
    PARLEY_SECRET_KEY: "nats-restart-secret-key-0123456789ab",
    PARLEY_DATA_DIR: mkdtempSync(join(tmpdir(), "parley-natsr-")),
    PARLEY_ADMIN_EMAIL: "nats@parley.test",
    PARLEY_ADMIN_PASSWORD: "restart the world",
    PARLEY_OLLAMA_DETECT: "false",
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
  });
  pods.push(p);
  return p;
}

const finished = (id: string) => (events: SseEvent[]) =>
  events.some(
    (e) =>
      ["message.completed", "message.failed", "message.cancelled"].includes(e.event) &&
      (e.data as { messageId: string }).messageId === id,
  );

describe("NATS restarted mid-answer", () => {
  it("completes or fails the answer cleanly, with no index twice and the message persisted once", async () => {
    const [url] = await Promise.all([start("api").listening(60_000), start("worker").listening(60_000)]);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "nats@parley.test", password: "restart the world" }),
    });
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const conv = await fetch(`${url}/api/v1/conversations`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "fake/fake-model" }),
    });
    const conversationId = ((await conv.json()) as { id: string }).id;
    const sent = await fetch(`${url}/api/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      headers,
      body: JSON.stringify({ content: "survive this" }),
    });
    const messageId = ((await sent.json()) as { assistantMessage: { id: string } }).assistantMessage.id;
    const eventsUrl = `${url}/api/v1/conversations/${conversationId}/events`;
    let sse: SseConnection = await openSse(eventsUrl, { authorization: headers.authorization });
    await sse.until((ev) => answerOf(ev, messageId).indexes.length >= 5);

    await stopNats();
    await new Promise((r) => setTimeout(r, 1_000));
    await startNats();

    // The client keeps reading; if its stream broke, it reconnects with its last event id.
    const seen: SseEvent[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const done = await sse.until(finished(messageId), 10_000).then(
        () => true,
        () => false,
      );
      seen.push(...sse.events);
      sse.close();
      if (done || Date.now() > deadline) break;
      const last = [...seen].reverse().find((e) => e.id !== null)?.id ?? "";
      sse = await openSse(eventsUrl, { authorization: headers.authorization, "last-event-id": last });
    }
    expect(finished(messageId)(seen)).toBe(true);
    const terminal = seen.filter((e) => ["message.completed", "message.failed"].includes(e.event));
    expect(terminal).toHaveLength(1);
    const { indexes } = answerOf(seen, messageId);
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    if (terminal[0]?.event === "message.completed") expect(indexes).toEqual([...Array(CHUNKS).keys()]);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const messages = await client.query<{ status: string }>(
        "select status from messages where conversation_id = $1 and role = 'assistant'",
        [conversationId],
      );
      expect(messages.rows.map((r) => r.status)).toEqual([
        terminal[0]?.event === "message.completed" ? "completed" : "failed",
      ]);
      // Metering runs as the pipeline closes, just after the terminal event: wait for it, then
      // check it happened exactly once.
      await eventually(
        "the usage row",
        async () =>
          ((await client.query("select id from usage_records where surface = 'chat'")).rowCount ?? 0) > 0,
      );
      await new Promise((r) => setTimeout(r, 500));
      const usage = await client.query("select id from usage_records where surface = 'chat'");
      expect(usage.rowCount).toBe(1);
    } finally {
      await client.end();
    }
  }, 150_000);
});
