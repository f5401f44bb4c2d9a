import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { eventually, runParley, type ParleyProcess } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { TcpProxy } from "../tcp-proxy.ts";
import { startFakeBotApi, type FakeBotApi } from "./fake-bot-api.ts";
import { connectWebhookBot, sentBy } from "./process-bots.ts";

/**
 * Pods killed (SIGKILL) at the worst moments of a Telegram update: while taking it in (Telegram
 * delivers it again to another pod, which must answer it, not drop it as a replay of one it never
 * queued), and while answering it (the queue hands the update to another pod, which must follow
 * the answer already started, not send the message into the conversation a second time).
 */
const ADMIN = { email: "crash@parley.test", password: "pods die at the worst moment" };
const namespace = uniqueId("tgcrash");
const ANSWER = "Answered after all, despite everything that happened to the pods on the way here.";
let database: TestPostgres;
let nats: TcpProxy;
let fake: FakeUpstream;
let tg: FakeBotApi;
const processes: ParleyProcess[] = [];

function start(natsUrl: string): ParleyProcess {
  const p = runParley(["start", "--role", "all", "--port", "0", "--host", "127.0.0.1"], {
    PARLEY_DATABASE_URL: database.url,
    PARLEY_NATS_URL: natsUrl,
    PARLEY_REDIS_URL: testServices.redisUrl,
    PARLEY_NAMESPACE: namespace,
    PARLEY_SECRET_KEY: "telegram-crash-secret-key-0123456789abcdef",
    PARLEY_DATA_DIR: mkdtempSync(join(tmpdir(), "parley-tgcrash-")),
    PARLEY_ADMIN_EMAIL: ADMIN.email,
    PARLEY_ADMIN_PASSWORD: ADMIN.password,
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_TELEGRAM_API_URL: tg.url,
    PARLEY_OLLAMA_DETECT: "false",
  });
  processes.push(p);
  return p;
}

beforeAll(async () => {
  database = await createTestPostgres();
  nats = await TcpProxy.start(Number(new URL(testServices.natsUrl).port || 4222));
  // 40 chunks 100 ms apart: an answer streams for 4 s, long enough to be killed in the middle.
  fake = await startFakeUpstream({ chunks: 40, chunkDelayMs: 100, text: ANSWER });
  tg = await startFakeBotApi();
}, 60_000);
afterAll(async () => {
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited()));
  await nats.stop();
  await tg.close();
  await fake.close();
  await database.drop();
  await cleanupNamespace(namespace);
});

/** Connects a new webhook bot on the process at `url` (see connectWebhookBot). */
const connectBot = (url: string, username: string) => connectWebhookBot(url, tg, ADMIN, username);

const sent = (botToken: string, chatId: number, method?: string) => sentBy(tg, botToken, chatId, method);

describe("a pod killed while taking in a Telegram update", () => {
  it("leaves the update to Telegram's retry, which another pod answers", async () => {
    const first = start(`nats://127.0.0.1:${nats.port}`);
    const url = await first.listening(60_000);
    const { botId, botToken, deliver } = await connectBot(url, "crash_intake_bot");
    const chat = { id: 777, type: "private" as const };
    const update = tg.update(botToken, chat, "Are you there?");

    // The bus goes silent: the pod's enqueue of the update's job (its message id names the
    // update) never reaches NATS, and the pod is killed while it waits for the ack.
    nats.silence();
    const pending = deliver(url, update).catch(() => null);
    const jobId = `${botId}:${String(update.update_id)}`;
    await eventually("the pod's enqueue of the update", () =>
      Promise.resolve(nats.dropped().includes(jobId)),
    );
    first.kill("SIGKILL");
    await first.exited();
    await pending;
    nats.silence(false);

    // Telegram got no answer, so it delivers the update again, here to a new pod.
    const second = start(testServices.natsUrl);
    const url2 = await second.listening(60_000);
    const again = await deliver(url2, update);
    expect([again.status, await again.json()]).toEqual([200, { ok: true, accepted: true }]);
    await tg.until("the answer", () => sent(botToken, chat.id).length === 1, 30_000);
    expect(sent(botToken, chat.id)).toEqual([ANSWER]);
    second.kill("SIGTERM");
    await second.exited();
  }, 120_000);
});

describe("a pod killed while answering a Telegram update", () => {
  it("has another pod follow the answer already started, sending the message once", async () => {
    const first = start(testServices.natsUrl);
    const url = await first.listening(60_000);
    const { botToken, deliver } = await connectBot(url, "crash_answer_bot");
    const chat = { id: 888, type: "private" as const };
    expect((await deliver(url, tg.update(botToken, chat, "Tell me slowly"))).status).toBe(200);
    // The answer is streaming into the chat as drafts when the pod dies.
    await tg.until("a draft of the answer", () => sent(botToken, chat.id, "sendMessageDraft").length > 0);
    first.kill("SIGKILL");
    await first.exited();

    // Another pod gets the update's job once the dead pod's ack wait lapses.
    start(testServices.natsUrl);
    await tg.until("the answer", () => sent(botToken, chat.id).length > 0, 90_000);
    expect(sent(botToken, chat.id)).toEqual([ANSWER]);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const asked = await db.query("select id from messages where role = 'user' and content = $1", [
        "Tell me slowly",
      ]);
      expect(asked.rows).toHaveLength(1);
    } finally {
      await db.end();
    }
  }, 150_000);
});
