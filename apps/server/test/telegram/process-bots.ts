import { expect } from "vitest";
import type { FakeBotApi } from "./fake-bot-api.ts";

/**
 * Helpers for tests that drive Parley processes (`runParley`) with Telegram bots: calls over HTTP,
 * connecting a webhook bot, reading what a bot sent.
 */

/** A JSON request to the process at `url`: its status and its body's (string) fields. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/**
 * Signs `admin` in on the process at `url` and connects a new webhook bot of `tg` to a new team
 * assistant; `deliver` posts an update to the bot's webhook on any process, as Telegram does.
 */
export async function connectWebhookBot(
  url: string,
  tg: FakeBotApi,
  admin: { email: string; password: string },
  username: string,
) {
  const token = (await call(url, "POST", "/api/v1/auth/login", admin)).body.accessToken;
  const team = await call(url, "POST", "/api/v1/teams", { name: username }, token);
  const assistant = await call(
    url,
    "POST",
    "/api/v1/assistants",
    { name: "Survivor", teamId: team.body.id, model: "fake/fake-model" },
    token,
  );
  const botToken = tg.addBot(username);
  const bot = await call(
    url,
    "POST",
    "/api/v1/telegram-bots",
    { assistantId: assistant.body.id, token: botToken, mode: "webhook" },
    token,
  );
  expect(bot.status).toBe(201);
  const secret = tg.webhookOf(botToken)?.secret ?? "";
  const deliver = (to: string, update: Record<string, unknown>) =>
    fetch(`${to}/api/v1/telegram/webhook/${bot.body.id}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: JSON.stringify(update),
    });
  return { botId: bot.body.id ?? "", botToken, deliver };
}

/** The texts bot `botToken` sent to chat `chatId` (successful calls of `method`). */
export function sentBy(tg: FakeBotApi, botToken: string, chatId: number, method = "sendMessage"): string[] {
  return tg
    .callsOf(method, botToken)
    .filter((c) => c.params.chat_id === chatId && c.status === 200)
    .map((c) => String(c.params.text));
}
