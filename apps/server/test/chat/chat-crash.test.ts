import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders } from "../parley-harness.ts";
import { eventually, runParley, type ParleyProcess } from "../process-harness.ts";
import { answerOf, openSse, type SseEvent } from "./sse-client.ts";

/**
 * An embedded server (one process, SQLite, in-memory bus and log) killed with SIGKILL mid-answer
 * and started again at once on the same data folder, as a real child process.
 */
const CHUNKS = 60;
const ADMIN = { email: "crash@parley.test", password: "crashing mid-answer" };
const dataDir = mkdtempSync(join(tmpdir(), "parley-crash-"));
let fake: FakeUpstream;
const processes: ParleyProcess[] = [];

function start(): ParleyProcess {
  const p = runParley(["start", "--port", "0", "--host", "127.0.0.1"], {
    PARLEY_DATA_DIR: dataDir,
    PARLEY_ADMIN_EMAIL: ADMIN.email,
    PARLEY_ADMIN_PASSWORD: ADMIN.password,
    PARLEY_OLLAMA_DETECT: "false",
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
    PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000",
  });
  processes.push(p);
  return p;
}

beforeAll(async () => {
  // 60 chunks 100 ms apart: the answer streams for 6 s, long enough to be killed in the middle.
  fake = await startFakeUpstream({ chunks: CHUNKS, chunkDelayMs: 100 });
});
afterAll(async () => {
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited()));
  await fake.close();
});

interface StoredMessage {
  id: string;
  content: string;
  status: string;
  error: { code: string } | null;
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  return ((await res.json()) as { accessToken: string }).accessToken;
}
const json = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });
async function answerIn(url: string, token: string, conversationId: string, id: string) {
  const res = await fetch(`${url}/api/v1/conversations/${conversationId}`, { headers: json(token) });
  return ((await res.json()) as { messages: StoredMessage[] }).messages.find((m) => m.id === id);
}
async function send(url: string, token: string, conversationId: string, content: string) {
  return fetch(`${url}/api/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: json(token),
    body: JSON.stringify({ content }),
  });
}
const ended = (id: string) => (events: SseEvent[]) =>
  events.some(
    (e) =>
      ["message.completed", "message.failed", "message.cancelled"].includes(e.event) &&
      (e.data as { messageId: string }).messageId === id,
  );

describe("embedded server killed mid-answer", () => {
  it("restarts at once, fails the answer keeping its streamed text, and takes new messages", async () => {
    const first = start();
    const url = await first.listening(60_000);
    const token = await login(url);
    const conv = await fetch(`${url}/api/v1/conversations`, {
      method: "POST",
      headers: json(token),
      body: JSON.stringify({ model: "fake/fake-model" }),
    });
    const conversationId = ((await conv.json()) as { id: string }).id;
    const sse = await openSse(`${url}/api/v1/conversations/${conversationId}/events`, json(token));
    const sent = await send(url, token, conversationId, "tell me everything");
    expect(sent.status).toBe(202);
    const messageId = ((await sent.json()) as { assistantMessage: { id: string } }).assistantMessage.id;

    // Killed once some of the answer streamed and some of it was stored.
    let storedBeforeKill = "";
    await eventually("the answer's progress to be stored", async () => {
      storedBeforeKill = (await answerIn(url, token, conversationId, messageId))?.content ?? "";
      return storedBeforeKill.length > 0;
    });
    first.kill("SIGKILL");
    await first.exited();
    await sse.ended;
    const streamed = answerOf(sse.events, messageId);
    expect(streamed.indexes.length).toBeLessThan(CHUNKS);

    // At once on the same folder: the dead process's lock is not in the way.
    const second = start();
    const url2 = await second.listening(60_000);
    expect(second.output()).not.toContain("DataDirLockedError");
    const token2 = await login(url2);

    const failed = await answerIn(url2, token2, conversationId, messageId);
    expect(failed).toMatchObject({ status: "failed", error: { code: "worker.lost" } });
    expect(failed?.content.length).toBeGreaterThanOrEqual(storedBeforeKill.length);
    expect(failed?.content.length).toBeGreaterThan(0);
    expect(streamed.text.startsWith(failed?.content ?? "-")).toBe(true);

    // A client reconnecting where it was is told, not left spinning.
    const resumed = await openSse(`${url2}/api/v1/conversations/${conversationId}/events`, {
      ...json(token2),
      "last-event-id": sse.lastId() ?? "",
    });
    await resumed.until((events) => events.length > 0);
    expect(resumed.events[0]).toMatchObject({
      event: "snapshot",
      data: { messageId, status: "failed", text: failed?.content },
    });

    // The conversation is usable again right away.
    fake.configure({ chunkDelayMs: 0 });
    const again = await send(url2, token2, conversationId, "try again");
    expect(again.status).toBe(202);
    const nextId = ((await again.json()) as { assistantMessage: { id: string } }).assistantMessage.id;
    await resumed.until(ended(nextId));
    resumed.close();
    expect(resumed.events.at(-1)?.event).toBe("message.completed");
    expect((await answerIn(url2, token2, conversationId, nextId))?.status).toBe("completed");
  }, 120_000);
});
