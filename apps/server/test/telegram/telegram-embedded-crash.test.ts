import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders } from "../parley-harness.ts";
import { runParley, type ParleyProcess } from "../process-harness.ts";
import { startFakeBotApi, type FakeBotApi } from "./fake-bot-api.ts";
import { connectWebhookBot, sentBy } from "./process-bots.ts";

/**
 * An embedded server (SQLite, in-memory queue) killed (SIGKILL) after it told Telegram "200" for
 * an update and before the chat had its reply. Telegram does not deliver that update again, and
 * the queue died with the process: the restarted server must queue it again from its database,
 * answering it when no answer had started, and telling the chat when the one that had was cut.
 */
const ADMIN = { email: "embedded-crash@parley.test", password: "one process dies at the worst moment" };
const ANSWER = "Answered after the restart, as if nothing had happened to the server on the way here.";
let fake: FakeUpstream;
let tg: FakeBotApi;
const processes: ParleyProcess[] = [];

/** An embedded server on the data folder `dataDir` (the same folder again after a crash). */
function start(dataDir: string): ParleyProcess {
  const p = runParley(["start", "--port", "0", "--host", "127.0.0.1"], {
    PARLEY_SECRET_KEY: "telegram-embedded-crash-key-0123456789abcdef",
    PARLEY_DATA_DIR: dataDir,
    PARLEY_ADMIN_EMAIL: ADMIN.email,
    PARLEY_ADMIN_PASSWORD: ADMIN.password,
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_TELEGRAM_API_URL: tg.url,
    PARLEY_OLLAMA_DETECT: "false",
  });
  processes.push(p);
  return p;
}

/** Connects a new webhook bot on the process at `url` (see connectWebhookBot). */
const connectBot = (url: string, username: string) => connectWebhookBot(url, tg, ADMIN, username);

const sent = (botToken: string, chatId: number, method?: string) => sentBy(tg, botToken, chatId, method);

beforeAll(async () => {
  // 40 chunks 100 ms apart: an answer streams for 4 s, long enough to be killed in the middle.
  fake = await startFakeUpstream({ chunks: 40, chunkDelayMs: 100, text: ANSWER });
  tg = await startFakeBotApi();
}, 60_000);
afterAll(async () => {
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited()));
  await tg.close();
  await fake.close();
});

describe("an embedded server killed after accepting a Telegram update", () => {
  it("answers the update after its restart when no answer had started", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "parley-tg-embedded-"));
    const first = start(dataDir);
    const url = await first.listening(60_000);
    const { botToken, deliver } = await connectBot(url, "embedded_queue_bot");
    const chat = { id: 991, type: "private" as const };
    // The worker is stuck before it sends the message to the conversation ("typing…" hangs).
    tg.hold("sendChatAction");
    const delivered = await deliver(url, tg.update(botToken, chat, "Are you still there?"));
    expect([delivered.status, await delivered.json()]).toEqual([200, { ok: true, accepted: true }]);
    await tg.until("the worker's typing action", () => tg.holding("sendChatAction") === 1);
    first.kill("SIGKILL");
    await first.exited();
    tg.release("sendChatAction");

    start(dataDir);
    await tg.until("the answer", () => sent(botToken, chat.id).length > 0, 60_000);
    expect(sent(botToken, chat.id)).toEqual([ANSWER]);
  }, 150_000);

  it("tells the chat its answer was cut when the server died in the middle of it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "parley-tg-embedded-"));
    const first = start(dataDir);
    const url = await first.listening(60_000);
    const { botToken, deliver } = await connectBot(url, "embedded_answer_bot");
    const chat = { id: 992, type: "private" as const };
    expect((await deliver(url, tg.update(botToken, chat, "Tell me slowly"))).status).toBe(200);
    await tg.until("a draft of the answer", () => sent(botToken, chat.id, "sendMessageDraft").length > 0);
    first.kill("SIGKILL");
    await first.exited();

    const second = start(dataDir);
    await second.listening(60_000);
    await tg.until("a word to the chat", () => sent(botToken, chat.id).length > 0, 60_000);
    expect(sent(botToken, chat.id)).toEqual([
      "I was restarted while answering, so my answer was cut short. Please send your message again.",
    ]);
  }, 150_000);
});
