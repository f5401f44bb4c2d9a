import type { TelegramBot } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { allTables } from "../all-tables.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { startFakeBotApi, type FakeBotApi, type FakeChat } from "./fake-bot-api.ts";

/**
 * Telegram bots (issue 18 points 3, 8, 9) against the project's own Bot API server and the fake
 * OpenAI upstream: connecting with getMe, the webhook's secret, replays, commands, memory,
 * streamed and split answers, 429 with retry_after, long polling, two bots side by side, and
 * the failures a chat is told.
 */
const PARAGRAPH = "Parley **streams** answers into Telegram, word by word, and splits them neatly.";
/** About 12,000 characters of markdown: three messages at least. */
const LONG = Array.from({ length: 150 }, (_, i) => `${i + 1}. ${PARAGRAPH}`).join("\n\n");

/** The user messages of a chat completion request, in order. */
function userTexts(body: unknown): string[] {
  const messages = (body as { messages?: { role: string; content: unknown }[] }).messages ?? [];
  return messages
    .filter((m) => m.role === "user")
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)));
}

/** What the fake model answers: the long text when asked for it, else it echoes the last message. */
function answerFor(body: unknown): string {
  const last = userTexts(body).at(-1) ?? "";
  if (last.includes("LONG")) return LONG;
  return `You said: ${last}`;
}

/** The text Telegram shows for an HTML message. */
function visible(html: string): string {
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

let h: Harness;
let fake: FakeUpstream;
let tg: FakeBotApi;
let teamId: string;
let assistantId: string;
let chatSeq = 1000;

function newChat(type: FakeChat["type"] = "private"): FakeChat {
  chatSeq += 1;
  return { id: type === "private" ? chatSeq : -chatSeq, type };
}

/** The texts the bot of `token` sent (or edited) to `chat`, successful calls only. */
function sentTo(token: string, chat: FakeChat, method = "sendMessage"): string[] {
  return tg
    .callsOf(method, token)
    .filter((c) => c.params.chat_id === chat.id && c.status === 200)
    .map((c) => String(c.params.text));
}

async function connect(token: string, mode: "webhook" | "polling" = "webhook", as = h.adminToken) {
  return h.call<TelegramBot & { error?: { code: string } }>("POST", "/api/v1/telegram-bots", {
    token: as,
    body: { assistantId, token, mode },
  });
}

for (const shape of ["embedded", "distributed"] as const) {
  describe(`Telegram bots (${shape})`, () => {
    let database: TestPostgres | null = null;
    const namespace = uniqueId("telegram");
    beforeAll(async () => {
      database = shape === "distributed" ? await createTestPostgres() : null;
      fake = await startFakeUpstream({ chunks: 40, textFor: answerFor, models: ["fake-model", "priced"] });
      tg = await startFakeBotApi();
      h = await startHarness({
        PARLEY_PROVIDERS: JSON.stringify([
          {
            id: "fake",
            name: "Fake",
            type: "openai-compatible",
            baseURL: `${fake.url}/v1`,
            models: ["fake-model", { id: "priced", inputPricePerMTok: 10, outputPricePerMTok: 20 }],
          },
        ]),
        PARLEY_TELEGRAM_API_URL: tg.url,
        PARLEY_TELEGRAM_POLL_TIMEOUT_S: "2",
        PARLEY_TELEGRAM_CHAT_MESSAGES_PER_MINUTE: "5",
        // Every chat of a bot is answered on its connector's behalf, within their AI rate limit.
        PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
        ...(database
          ? {
              PARLEY_DATABASE_URL: database.url,
              PARLEY_NATS_URL: testServices.natsUrl,
              PARLEY_REDIS_URL: testServices.redisUrl,
              PARLEY_NAMESPACE: namespace,
              PARLEY_SECRET_KEY: "telegram-bots-secret-key-0123456789abcdef",
            }
          : {}),
      });
      teamId = (
        await h.call<{ id: string }>("POST", "/api/v1/teams", {
          token: h.adminToken,
          body: { name: "Support" },
        })
      ).body.id;
      assistantId = (
        await h.call<{ id: string }>("POST", "/api/v1/assistants", {
          token: h.adminToken,
          body: { name: "Helpdesk", teamId, model: "fake/fake-model", instructions: "Be brief." },
        })
      ).body.id;
    }, 120_000);

    afterAll(async () => {
      await h.stop();
      await tg.close();
      await fake.close();
      if (database) {
        await database.drop();
        await cleanupNamespace(namespace);
      }
    });

    describe("connecting a bot", () => {
      it("checks the token with getMe: an unknown token is a clear 400 and nothing is stored", async () => {
        const res = await connect("123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        expect(res.status).toBe(400);
        expect(res.body.error?.code).toBe("telegram.token_invalid");
        const list = await h.call<{ items: TelegramBot[] }>("GET", `/api/v1/telegram-bots?teamId=${teamId}`, {
          token: h.adminToken,
        });
        expect(list.body.items).toEqual([]);
      });

      it("connects a good token in webhook mode: getMe's name, status ok, the webhook set with a secret", async () => {
        const token = tg.addBot("helpdesk_one_bot");
        const res = await connect(token);
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({
          username: "helpdesk_one_bot",
          mode: "webhook",
          status: "ok",
          teamId,
          assistantId,
        });
        expect(JSON.stringify(res.body)).not.toContain(token.split(":")[1]);
        const hook = tg.webhookOf(token);
        expect(hook?.url).toBe(`${h.url}/api/v1/telegram/webhook/${res.body.id}`);
        expect(hook?.secret?.length).toBeGreaterThan(20);
        // The same bot a second time: 409, and the first one's webhook is left alone.
        const again = await connect(token);
        expect(again.status).toBe(409);
        expect(again.body.error?.code).toBe("telegram.bot_duplicate");
        expect(tg.webhookOf(token)?.url).toBe(hook?.url);
      });
    });

    describe("a webhook bot", () => {
      let token: string;
      let botId: string;
      beforeAll(async () => {
        token = tg.addBot("helpdesk_hook_bot");
        botId = (await connect(token)).body.id;
      });

      it("answers 401 to a wrong or missing secret-token header and processes nothing", async () => {
        const chat = newChat();
        const update = tg.update(token, chat, "hello from an impostor");
        expect(await tg.deliver(token, update, "wrong-secret")).toBe(401);
        const missing = await fetch(`${h.url}/api/v1/telegram/webhook/${botId}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(update),
        });
        expect(missing.status).toBe(401);
        expect(await tg.deliver(token, update, "x".repeat(500))).toBe(401);
        // Nothing was accepted: the same update with the right secret is new.
        const right = await fetch(`${h.url}/api/v1/telegram/webhook/${botId}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-telegram-bot-api-secret-token": tg.webhookOf(token)?.secret ?? "",
          },
          body: JSON.stringify(update),
        });
        expect(await right.json()).toEqual({ ok: true, accepted: true });
        await tg.until("the answer", () => sentTo(token, chat).length === 1);
        expect(sentTo(token, chat)).toEqual(["You said: hello from an impostor"]);
      });

      it("answers /start, /help and /new", async () => {
        const chat = newChat();
        expect(await tg.userSays(token, chat, "/start")).toBe(200);
        await tg.until("/start's answer", () => sentTo(token, chat).length === 1);
        expect(sentTo(token, chat)[0]).toContain("Helpdesk");
        await tg.userSays(token, chat, "/help");
        await tg.until("/help's answer", () => sentTo(token, chat).length === 2);
        expect(sentTo(token, chat)[1]).toContain("/new");
        await tg.userSays(token, chat, "/new@helpdesk_hook_bot");
        await tg.until("/new's answer", () => sentTo(token, chat).length === 3);
        expect(sentTo(token, chat)[2]).toContain("New conversation");
      });

      it("keeps one conversation per chat until /new", async () => {
        const chat = newChat();
        const other = newChat();
        await tg.userSays(token, chat, "my name is Ada");
        await tg.until("the first answer", () => sentTo(token, chat).length === 1);
        await tg.userSays(token, other, "I am someone else");
        await tg.until("the other chat's answer", () => sentTo(token, other).length === 1);
        await tg.userSays(token, chat, "what is my name?");
        await tg.until("the second answer", () => sentTo(token, chat).length === 2);
        const asked = fake.requests.filter((r) => userTexts(r.body).at(-1) === "what is my name?");
        expect(userTexts(asked.at(-1)?.body)).toEqual(["my name is Ada", "what is my name?"]);
        await tg.userSays(token, chat, "/new");
        await tg.until("/new", () => sentTo(token, chat).length === 3);
        await tg.userSays(token, chat, "who am I?");
        await tg.until("the answer after /new", () => sentTo(token, chat).length === 4);
        const fresh = fake.requests.filter((r) => userTexts(r.body).at(-1) === "who am I?");
        expect(userTexts(fresh.at(-1)?.body)).toEqual(["who am I?"]);
      });

      it("holds each chat's conversation as a telegram channel conversation, out of the publisher's list", async () => {
        const chat = newChat();
        await tg.userSays(token, chat, "stamp me");
        await tg.until("the answer", () => sentTo(token, chat).length === 1);
        const tables = allTables(h.parley.platform.database);
        const rows = await tables
          .selectFrom("conversations")
          .select(["id", "channel", "channel_id", "channel_subject", "team_id", "assistant_id"])
          .where("channel_subject", "=", String(chat.id))
          .execute();
        expect(rows).toEqual([
          expect.objectContaining({
            channel: "telegram",
            channel_id: botId,
            team_id: teamId,
            assistant_id: assistantId,
          }),
        ]);
        const list = await h.call<{ items: { id: string }[] }>("GET", "/api/v1/conversations?limit=100", {
          token: h.adminToken,
        });
        expect(list.body.items.map((c) => c.id)).not.toContain(rows[0]?.id);
        await vi.waitFor(async () => {
          // Every answer of this assistant was given through Telegram: metered on that surface.
          const usage = await tables
            .selectFrom("usage_records")
            .select("surface")
            .where("assistant_id", "=", assistantId)
            .execute();
          expect(usage.length).toBeGreaterThan(0);
          expect(new Set(usage.map((u) => u.surface))).toEqual(new Set(["telegram"]));
        });
      });

      it("processes a replayed update once, even 20 deliveries at once", async () => {
        const chat = newChat();
        const update = tg.update(token, chat, "only once please");
        const secret = tg.webhookOf(token)?.secret ?? "";
        const answers = await Promise.all(
          Array.from({ length: 20 }, async () => {
            const res = await fetch(`${h.url}/api/v1/telegram/webhook/${botId}`, {
              method: "POST",
              headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
              body: JSON.stringify(update),
            });
            expect(res.status).toBe(200);
            return ((await res.json()) as { accepted: boolean }).accepted;
          }),
        );
        expect(answers.filter(Boolean)).toHaveLength(1);
        await tg.until("the answer", () => sentTo(token, chat).length === 1);
        // Later replays too.
        expect(await tg.deliver(token, update)).toBe(200);
        expect(fake.requests.filter((r) => userTexts(r.body).at(-1) === "only once please")).toHaveLength(1);
      });

      it("streams a private answer as drafts, then sends it split at 4,096 characters as HTML", async () => {
        const chat = newChat();
        // Paced: an answer that ends before the worker follows it has nothing to show as a draft.
        fake.configure({ chunkDelayMs: 25 });
        await tg.userSays(token, chat, "LONG please");
        await tg.until("the last part", () =>
          visible(sentTo(token, chat).join("\n\n")).includes("150. Parley"),
        );
        fake.configure({ chunkDelayMs: 0 });
        const parts = tg.callsOf("sendMessage", token).filter((c) => c.params.chat_id === chat.id);
        expect(parts.length).toBeGreaterThanOrEqual(3);
        for (const part of parts) {
          expect(part.params.parse_mode).toBe("HTML");
          expect(visible(String(part.params.text)).length).toBeLessThanOrEqual(4096);
          expect(part.status).toBe(200);
        }
        expect(String(parts[0]?.params.text)).toContain("<b>streams</b>");
        const shown = parts.map((p) => visible(String(p.params.text))).join("\n\n");
        const words = (text: string) => text.replace(/\s+/g, " ").trim();
        expect(words(shown)).toBe(words(LONG.replace(/\*\*/g, "")));
        expect(
          tg.callsOf("sendMessageDraft", token).filter((c) => c.params.chat_id === chat.id).length,
        ).toBeGreaterThan(0);
      });

      it("streams a group answer as edits of one message, then finishes it in several", async () => {
        const chat = newChat("group");
        fake.configure({ chunkDelayMs: 25 });
        await tg.userSays(token, chat, "LONG in the group");
        await tg.until("the last part", () =>
          visible([...sentTo(token, chat, "editMessageText"), ...sentTo(token, chat)].join("\n")).includes(
            "150. Parley",
          ),
        );
        fake.configure({ chunkDelayMs: 0 });
        expect(
          tg.callsOf("sendMessageDraft", token).filter((c) => c.params.chat_id === chat.id),
        ).toHaveLength(0);
        const edits = sentTo(token, chat, "editMessageText");
        expect(edits.length).toBeGreaterThanOrEqual(1);
        expect(visible(edits.at(-1) ?? "")).toContain("1. Parley streams answers");
        expect(sentTo(token, chat).length).toBeGreaterThanOrEqual(3);
      });

      it("waits for retry_after on a 429 and loses no message", async () => {
        const chat = newChat();
        tg.rateLimit("sendMessage", 1, 2);
        await tg.userSays(token, chat, "through the flood");
        await tg.until("the answer", () => sentTo(token, chat).length === 1);
        expect(sentTo(token, chat)).toEqual(["You said: through the flood"]);
        const limited = tg
          .callsOf("sendMessage", token)
          .filter((c) => c.params.chat_id === chat.id && c.status === 429);
        expect(limited).toHaveLength(2);
      });

      it("tells the chat when the budget is used up, without calling the model", async () => {
        const priced = (
          await h.call<{ id: string }>("POST", "/api/v1/assistants", {
            token: h.adminToken,
            body: { name: "Costly", teamId, model: "fake/priced" },
          })
        ).body.id;
        const costly = tg.addBot("costly_bot");
        const res = await h.call<TelegramBot>("POST", "/api/v1/telegram-bots", {
          token: h.adminToken,
          body: { assistantId: priced, token: costly, mode: "webhook" },
        });
        expect(res.status).toBe(201);
        // A budget on the bot itself (its channel's budget, ADR 0036).
        const budget = await h.call("POST", "/api/v1/billing/budgets", {
          token: h.adminToken,
          body: { scope: { kind: "bot", id: res.body.id }, period: "month", limitMicros: 1 },
        });
        expect(budget.status).toBe(201);
        const chat = newChat();
        const before = fake.requests.length;
        await tg.userSays(costly, chat, "an expensive question");
        await tg.until("the notice", () => sentTo(costly, chat).length === 1);
        expect(sentTo(costly, chat)[0]).toContain("budget");
        expect(
          fake.requests.slice(before).filter((r) => userTexts(r.body).includes("an expensive question")),
        ).toHaveLength(0);
      });

      it("answers at most the chat's limit of messages a minute, telling the chat to wait beyond", async () => {
        const chat = newChat();
        const other = newChat();
        for (let i = 1; i <= 6; i++) {
          await tg.userSays(token, chat, `count ${i}`);
          await tg.until(`reply ${i}`, () => sentTo(token, chat).length === i);
        }
        expect(sentTo(token, chat).slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((i) => `You said: count ${i}`));
        expect(sentTo(token, chat)[5]).toContain("Too many messages");
        // Another chat of the same bot is not held back.
        await tg.userSays(token, other, "me too");
        await tg.until("the other chat's answer", () => sentTo(token, other).length === 1);
        expect(sentTo(token, other)).toEqual(["You said: me too"]);
      });

      it("tells the chat when a governance rule blocks the message, without calling the model", async () => {
        const guarded = (
          await h.call<{ id: string }>("POST", "/api/v1/assistants", {
            token: h.adminToken,
            body: { name: "Guarded", teamId, model: "fake/fake-model" },
          })
        ).body.id;
        const rule = await h.call("POST", "/api/v1/governance/rules", {
          token: h.adminToken,
          body: {
            teamId,
            spec: {
              name: "No secret project",
              tier: "before",
              scope: { assistantId: guarded },
              condition: { detectors: [{ type: "keywords", words: ["project-nightingale"] }] },
              action: "block",
            },
          },
        });
        expect(rule.status).toBe(201);
        const botToken = tg.addBot("guarded_bot");
        const res = await h.call<TelegramBot>("POST", "/api/v1/telegram-bots", {
          token: h.adminToken,
          body: { assistantId: guarded, token: botToken, mode: "webhook" },
        });
        expect(res.status).toBe(201);
        const chat = newChat();
        await tg.userSays(botToken, chat, "tell me about project-nightingale");
        await tg.until("the notice", () => sentTo(botToken, chat).length === 1);
        expect(sentTo(botToken, chat)[0]).toContain("blocked by this organisation's policy");
        expect(
          fake.requests.filter((r) => userTexts(r.body).some((t) => t.includes("nightingale"))),
        ).toHaveLength(0);
      });

      it("is disconnected: the webhook removed, its deliveries refused", async () => {
        const extra = tg.addBot("short_lived_bot");
        const id = (await connect(extra)).body.id;
        expect((await h.call("DELETE", `/api/v1/telegram-bots/${id}`, { token: h.adminToken })).status).toBe(
          204,
        );
        expect(tg.webhookOf(extra)).toBeNull();
        expect((await h.call("GET", `/api/v1/telegram-bots/${id}`, { token: h.adminToken })).status).toBe(
          404,
        );
      });
    });

    // Several pods share a database, bus and cache only in the distributed shape.
    if (shape === "distributed")
      describe("a polling bot with several pods", () => {
        it("is polled by one pod at a time, taken over when that pod stops, each update answered once", async () => {
          // Two more Parleys on the same database, bus and cache, each running the polling worker.
          const env = {
            PARLEY_PROVIDERS: JSON.stringify([
              {
                id: "fake",
                name: "Fake",
                type: "openai-compatible",
                baseURL: `${fake.url}/v1`,
                models: ["fake-model"],
              },
            ]),
            PARLEY_TELEGRAM_API_URL: tg.url,
            PARLEY_TELEGRAM_POLL_TIMEOUT_S: "2",
            PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
            PARLEY_DATABASE_URL: database?.url ?? "",
            PARLEY_NATS_URL: testServices.natsUrl,
            PARLEY_REDIS_URL: testServices.redisUrl,
            PARLEY_NAMESPACE: namespace,
            PARLEY_SECRET_KEY: "telegram-bots-secret-key-0123456789abcdef",
          };
          const podB = await startHarness(env);
          const podC = await startHarness(env);
          let stoppedB = false;
          try {
            const token = tg.addBot("many_pods_bot");
            const connected = await podB.call<TelegramBot>("POST", "/api/v1/telegram-bots", {
              token: podB.adminToken,
              body: { assistantId, token, mode: "polling" },
            });
            expect(connected.status).toBe(201);
            // Changed through pod C: it starts its own loop for the bot at once, and contends.
            const changed = await podC.call("PATCH", `/api/v1/telegram-bots/${connected.body.id}`, {
              token: podC.adminToken,
              body: { mode: "polling" },
            });
            expect(changed.status).toBe(200);
            const chat = newChat();
            const say = async (i: number) => {
              await tg.userSays(token, chat, `many pods ${i}`);
              await tg.until(`answer ${i}`, () => sentTo(token, chat).length === i);
            };
            await say(1);
            await say(2);
            // The holder stops (its lease given up): another pod takes the bot over.
            await podB.stop();
            stoppedB = true;
            await say(3);
            await say(4);
            expect(sentTo(token, chat)).toEqual([1, 2, 3, 4].map((i) => `You said: many pods ${i}`));
            expect(tg.maxConcurrentPolls(token)).toBe(1);
          } finally {
            if (!stoppedB) await podB.stop();
            await podC.stop();
          }
        });
      });

    describe("a polling bot", () => {
      it("gets its updates by long polling and answers them, beside a webhook bot that is not disturbed", async () => {
        const polling = tg.addBot("helpdesk_poll_bot");
        const hook = tg.addBot("helpdesk_side_bot");
        const polled = await connect(polling, "polling");
        expect(polled.status).toBe(201);
        expect(polled.body.mode).toBe("polling");
        expect(tg.webhookOf(polling)).toBeNull();
        expect((await connect(hook)).status).toBe(201);
        const a = newChat();
        const b = newChat();
        await Promise.all([tg.userSays(polling, a, "polled hello"), tg.userSays(hook, b, "hooked hello")]);
        await tg.until("both answers", () => sentTo(polling, a).length === 1 && sentTo(hook, b).length === 1);
        expect(sentTo(polling, a)).toEqual(["You said: polled hello"]);
        expect(sentTo(hook, b)).toEqual(["You said: hooked hello"]);
        // Each bot spoke only to its own chat.
        expect(sentTo(polling, b)).toEqual([]);
        expect(sentTo(hook, a)).toEqual([]);
        // Further updates: the offset moved on, none is answered twice.
        await tg.userSays(polling, a, "second poll");
        await tg.until("the second answer", () => sentTo(polling, a).length === 2);
        expect(sentTo(polling, a)).toEqual(["You said: polled hello", "You said: second poll"]);
        const status = await h.call<TelegramBot>("GET", `/api/v1/telegram-bots/${polled.body.id}`, {
          token: h.adminToken,
        });
        expect(status.body.status).toBe("ok");
        expect(status.body.lastUpdateAt).not.toBeNull();
      });
    });
  });
}
