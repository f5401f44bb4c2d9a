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

/**
 * A pod killed (SIGKILL) while it takes in a Telegram update: Telegram delivers the update again
 * to another pod, which must answer it, not drop it as a replay of one it never queued.
 */
const ADMIN = { email: "crash@parley.test", password: "pods die at the worst moment" };
const namespace = uniqueId("tgcrash");
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

async function call<T>(url: string, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  database = await createTestPostgres();
  nats = await TcpProxy.start(Number(new URL(testServices.natsUrl).port || 4222));
  fake = await startFakeUpstream({ chunks: 2, text: "Answered after all." });
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

describe("a pod killed while taking in a Telegram update", () => {
  it("leaves the update to Telegram's retry, which another pod answers", async () => {
    const first = start(`nats://127.0.0.1:${nats.port}`);
    const url = await first.listening(60_000);
    const login = await call<{ accessToken: string }>(url, "POST", "/api/v1/auth/login", ADMIN);
    const token = login.body.accessToken;
    const team = await call<{ id: string }>(url, "POST", "/api/v1/teams", { name: "Crash" }, token);
    const assistant = await call<{ id: string }>(
      url,
      "POST",
      "/api/v1/assistants",
      { name: "Survivor", teamId: team.body.id, model: "fake/fake-model" },
      token,
    );
    const botToken = tg.addBot("crash_bot");
    const bot = await call<{ id: string }>(
      url,
      "POST",
      "/api/v1/telegram-bots",
      { assistantId: assistant.body.id, token: botToken, mode: "webhook" },
      token,
    );
    expect(bot.status).toBe(201);
    const secret = tg.webhookOf(botToken)?.secret ?? "";
    const chat = { id: 777, type: "private" as const };
    const update = tg.update(botToken, chat, "Are you there?");
    const deliver = (to: string) =>
      fetch(`${to}/api/v1/telegram/webhook/${bot.body.id}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
        body: JSON.stringify(update),
      });

    // The bus goes silent: the pod's enqueue of the update's job (its message id names the
    // update) never reaches NATS, and the pod is killed while it waits for the ack.
    nats.silence();
    const pending = deliver(url).catch(() => null);
    const jobId = `${bot.body.id}:${String(update.update_id)}`;
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
    const again = await deliver(url2);
    expect([again.status, await again.json()]).toEqual([200, { ok: true, accepted: true }]);
    await tg.until("the answer", () =>
      tg.callsOf("sendMessage", botToken).some((c) => c.params.chat_id === chat.id && c.status === 200),
    );
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const rows = await db.query("select update_id from telegram_updates where bot_id = $1", [bot.body.id]);
      expect(rows.rows).toHaveLength(1);
    } finally {
      await db.end();
    }
  });
});
