import type { ErrorEnvelope, Me, TelegramBot } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { startFakeBotApi, type FakeBotApi, type FakeChat } from "./fake-bot-api.ts";

/**
 * Telegram bots as an attacker sees them: deliveries to the public webhook without the bot's
 * secret, and bots whose connector was disabled or left the team.
 */
let h: Harness;
let fake: FakeUpstream;
let tg: FakeBotApi;
let chatSeq = 5000;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 2 });
  tg = await startFakeBotApi();
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_TELEGRAM_API_URL: tg.url,
    PARLEY_BODY_LIMIT_BYTES: "65536",
  });
}, 120_000);
afterAll(async () => {
  await h.stop();
  await tg.close();
  await fake.close();
});

function newChat(): FakeChat {
  chatSeq += 1;
  return { id: chatSeq, type: "private" };
}

/** The texts the bot of `token` sent to `chat`. */
function sentTo(token: string, chat: FakeChat): string[] {
  return tg
    .callsOf("sendMessage", token)
    .filter((c) => c.params.chat_id === chat.id && c.status === 200)
    .map((c) => String(c.params.text));
}

/** A team with an operator who made a team assistant; `connector` connects bots to it. */
async function botTeam(name: string) {
  const team = await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } });
  const member = async (role: "operator" | "admin") => {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${u.id}`, {
      token: h.adminToken,
      body: { role },
    });
    return u;
  };
  const operator = await member("operator");
  const assistant = await h.call<{ id: string }>("POST", "/api/v1/assistants", {
    token: operator.token,
    body: { name: `${name} desk`, teamId: team.body.id, model: "fake/fake-model" },
  });
  const connect = async (as: string, username: string) => {
    const token = tg.addBot(username);
    const res = await h.call<TelegramBot>("POST", "/api/v1/telegram-bots", {
      token: as,
      body: { assistantId: assistant.body.id, token, mode: "webhook" },
    });
    if (res.status !== 201) throw new Error(`connect failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { token, botId: res.body.id };
  };
  return { teamId: team.body.id, operator, member, connect };
}

describe("the webhook as an attacker sees it", () => {
  it("answers 401 to any delivery without the bot's secret, before reading its body", async () => {
    const team = await botTeam("Webhook");
    const bot = await team.connect(team.operator.token, "attacked_bot");
    const other = await team.connect(team.operator.token, "other_bot");
    const secret = tg.webhookOf(bot.token)?.secret ?? "";
    const update = JSON.stringify(tg.update(bot.token, newChat(), "hello"));
    const secrets: Record<string, string | undefined> = {
      missing: undefined,
      empty: "",
      wrong: "x".repeat(secret.length),
      "another bot's": tg.webhookOf(other.token)?.secret,
      "upper-cased": secret.toUpperCase(),
      "with a suffix": `${secret}x`,
    };
    const bodies: Record<string, { type: string; body: string }> = {
      "an update": { type: "application/json", body: update },
      "malformed JSON": { type: "application/json", body: '{"update_id": ' },
      "over the body limit": { type: "application/json", body: `{"pad":"${"a".repeat(70_000)}"}` },
      "not JSON": { type: "text/plain", body: "hello" },
    };
    for (const [path, label] of [
      [`/api/v1/telegram/webhook/${bot.botId}`, "the bot"],
      ["/api/v1/telegram/webhook/no-such-bot", "an unknown bot"],
    ] as const)
      for (const [secretLabel, given] of Object.entries(secrets))
        for (const [bodyLabel, { type, body }] of Object.entries(bodies)) {
          const res = await fetch(`${h.url}${path}`, {
            method: "POST",
            headers: {
              "content-type": type,
              ...(given !== undefined ? { "x-telegram-bot-api-secret-token": given } : {}),
            },
            body,
          });
          const answer = (await res.json()) as ErrorEnvelope;
          expect([label, secretLabel, bodyLabel, res.status, answer.error.code]).toEqual([
            label,
            secretLabel,
            bodyLabel,
            401,
            "telegram.webhook_unauthorized",
          ]);
        }
    // The bot's own secret still gets the update in.
    const right = await fetch(`${h.url}/api/v1/telegram/webhook/${bot.botId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: update,
    });
    expect(await right.json()).toEqual({ ok: true, accepted: true });
  });
});

describe("a text the store cannot keep", () => {
  it("accepts a message with NUL characters (a 400 would be retried), tells the chat, asks no model", async () => {
    const team = await botTeam("NulText");
    const bot = await team.connect(team.operator.token, "nul_text_bot");
    const chat = newChat();
    const asked = fake.requests.length;
    expect(await tg.userSays(bot.token, chat, "a\u0000b")).toBe(200);
    await tg.until("the notice", () => sentTo(bot.token, chat).length === 1);
    expect(fake.requests.length).toBe(asked);
    // The chat goes on.
    expect(await tg.userSays(bot.token, chat, "hello")).toBe(200);
    await tg.until("the answer", () => sentTo(bot.token, chat).length === 2);
  });
});

describe("a bot whose connector may no longer answer", () => {
  it("tells the chat when its connector's account is disabled, and asks no model", async () => {
    const team = await botTeam("DisabledConnector");
    const bot = await team.connect(team.operator.token, "disabled_connector_bot");
    const chat = newChat();
    expect(await tg.userSays(bot.token, chat, "before")).toBe(200);
    await tg.until("the first answer", () => sentTo(bot.token, chat).length === 1);
    await h.call("PATCH", `/api/v1/users/${team.operator.id}`, {
      token: h.adminToken,
      body: { status: "disabled" },
    });
    const asked = fake.requests.length;
    expect(await tg.userSays(bot.token, chat, "after the disable")).toBe(200);
    await tg.until("the notice", () => sentTo(bot.token, chat).length === 2);
    expect(sentTo(bot.token, chat)[1]).toContain("cannot answer any more");
    expect(fake.requests.length).toBe(asked);
  });

  it("tells the chat when its connector, a global admin, left the team", async () => {
    const team = await botTeam("AdminConnector");
    const admin = (await h.call<Me>("GET", "/api/v1/me", { token: h.adminToken })).body.user;
    await h.call("PUT", `/api/v1/teams/${team.teamId}/members/${admin.id}`, {
      token: h.adminToken,
      body: { role: "admin" },
    });
    const bot = await team.connect(h.adminToken, "admin_connector_bot");
    await team.member("admin");
    const removed = await h.call("DELETE", `/api/v1/teams/${team.teamId}/members/${admin.id}`, {
      token: h.adminToken,
    });
    expect(removed.status).toBe(204);
    const chat = newChat();
    const asked = fake.requests.length;
    expect(await tg.userSays(bot.token, chat, "anyone?")).toBe(200);
    await tg.until("the notice", () => sentTo(bot.token, chat).length === 1);
    expect(sentTo(bot.token, chat)[0]).toContain("cannot answer any more");
    expect(fake.requests.length).toBe(asked);
  });
});
