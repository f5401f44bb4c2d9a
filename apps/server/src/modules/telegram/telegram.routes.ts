import {
  ConnectTelegramBotRequest,
  IdParams,
  TelegramBot,
  TelegramBotListQuery,
  UpdateTelegramBotRequest,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { TelegramIntake } from "./telegram-intake.ts";
import type { TelegramService } from "./telegram.service.ts";

/** What the telegram routes call. */
export interface TelegramRouteDeps {
  bots: TelegramService;
  intake: TelegramIntake;
}

const tags = ["telegram"];

/** Bots (list, connect, read, change, disconnect) and Telegram's webhook. */
export function registerTelegramRoutes(app: TypedApp, deps: TelegramRouteDeps): void {
  app.get(
    "/api/v1/telegram-bots",
    {
      config: { permission: "telegram:read" },
      schema: {
        tags,
        summary: "Your teams' Telegram bots (of one assistant with assistantId)",
        querystring: TelegramBotListQuery,
        response: { 200: z.object({ items: z.array(TelegramBot) }) },
      },
    },
    (request) => deps.bots.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/telegram-bots",
    {
      config: { permission: "telegram:manage" },
      schema: {
        tags,
        summary: "Connect a Telegram bot to a team assistant (the token is checked with getMe)",
        body: ConnectTelegramBotRequest,
        response: { 201: TelegramBot },
      },
    },
    async (request, reply) => reply.code(201).send(await deps.bots.connect(request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/telegram-bots/:id",
    {
      config: { permission: "telegram:read" },
      schema: {
        tags,
        summary: "A Telegram bot and its status",
        params: IdParams,
        response: { 200: TelegramBot },
      },
    },
    (request) => deps.bots.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/telegram-bots/:id",
    {
      config: { permission: "telegram:manage" },
      schema: {
        tags,
        summary: "Change a bot's mode (webhook or polling) or token",
        params: IdParams,
        body: UpdateTelegramBotRequest,
        response: { 200: TelegramBot },
      },
    },
    (request) => deps.bots.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/telegram-bots/:id",
    {
      config: { permission: "telegram:manage" },
      schema: { tags, summary: "Disconnect a Telegram bot", params: IdParams },
    },
    async (request, reply) => {
      await deps.bots.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.post(
    "/api/v1/telegram/webhook/:botId",
    {
      // Telegram signs in with the secret-token header instead, and sends no cookie (no CSRF).
      // A text with NUL in it is accepted, and the chat told (a 400 would be retried for hours).
      config: { permission: "public", acceptsNul: true },
      // The secret is checked before the body is read: a stranger's delivery, however large or
      // malformed, is a 401 like any other.
      onRequest: async (request) => {
        const { botId } = request.params as { botId?: string };
        const secret = request.headers["x-telegram-bot-api-secret-token"];
        await deps.intake.authorize(botId ?? "", typeof secret === "string" ? secret : undefined);
      },
      schema: {
        tags,
        summary: "Telegram's webhook for a bot: the update is accepted once and answered afterwards",
        params: z.strictObject({ botId: z.string().min(1).max(100) }),
        // Any length: a wrong one is a 401 like any other wrong secret.
        headers: z.object({ "x-telegram-bot-api-secret-token": z.string().optional() }),
        body: z.unknown(),
        response: { 200: z.object({ ok: z.literal(true), accepted: z.boolean() }) },
      },
    },
    async (request) => {
      // Authorized by `onRequest` above.
      const result = await deps.intake.webhook(request.params.botId, request.body);
      return { ok: true as const, accepted: result.accepted };
    },
  );
}
