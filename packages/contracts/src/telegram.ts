import { z } from "zod";
import { defineTopic } from "./topics.ts";

/**
 * How a bot receives its updates: Telegram calls Parley's webhook (a public URL is needed), or
 * a Parley worker asks for them with long polling (installs without a public URL).
 */
export const TelegramBotMode = z.enum(["webhook", "polling"]);
export type TelegramBotMode = z.infer<typeof TelegramBotMode>;

/** A bot token as BotFather gives it: `<bot id>:<secret>`. */
const BotToken = z
  .string()
  .trim()
  .regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, "must be a bot token from BotFather, like 123456:ABC-DEF...");

/** A Telegram bot connected to an assistant; its token is never shown again. */
export const TelegramBot = z
  .object({
    id: z.string(),
    teamId: z.string(),
    assistantId: z.string(),
    /** Telegram's id of the bot (the number before the colon of its token). */
    telegramId: z.number().int(),
    /** `@username` without the at sign. */
    username: z.string(),
    name: z.string(),
    mode: TelegramBotMode,
    /** `ok`, or `error` with the reason (the last Bot API failure: a revoked token, a refused webhook). */
    status: z.enum(["ok", "error"]),
    statusReason: z.string().nullable(),
    /** When the last update from Telegram arrived. */
    lastUpdateAt: z.iso.datetime().nullable(),
    /** Who connected it: answers are given, and metered, on their behalf. */
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "TelegramBot" });
export type TelegramBot = z.infer<typeof TelegramBot>;

export const ConnectTelegramBotRequest = z
  .strictObject({
    /** A team assistant: the bot answers with it. */
    assistantId: z.string().min(1).max(100),
    token: BotToken,
    mode: TelegramBotMode.default("webhook"),
  })
  .meta({ id: "ConnectTelegramBotRequest" });
export type ConnectTelegramBotRequest = z.infer<typeof ConnectTelegramBotRequest>;

export const UpdateTelegramBotRequest = z
  .strictObject({ mode: TelegramBotMode.optional(), token: BotToken.optional() })
  .meta({ id: "UpdateTelegramBotRequest" });
export type UpdateTelegramBotRequest = z.infer<typeof UpdateTelegramBotRequest>;

export const TelegramBotListQuery = z.strictObject({
  assistantId: z.string().min(1).max(100).optional(),
  teamId: z.string().min(1).max(100).optional(),
});
export type TelegramBotListQuery = z.infer<typeof TelegramBotListQuery>;

/**
 * One update from Telegram as Parley reads it: its id, and the message it carries (other kinds of
 * updates are acknowledged and ignored).
 */
export const TelegramUpdate = z.looseObject({
  update_id: z.number().int().min(0),
  message: z
    .looseObject({
      message_id: z.number().int(),
      chat: z.looseObject({ id: z.number().int(), type: z.string() }),
      from: z.looseObject({ id: z.number().int() }).optional(),
      text: z.string().optional(),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdate>;

/** Bus payload: answer one update of one bot (job id `<botId>:<updateId>`). */
export const TelegramUpdateJob = z.object({
  v: z.literal(1),
  botId: z.string(),
  update: TelegramUpdate,
});
export type TelegramUpdateJob = z.infer<typeof TelegramUpdateJob>;

/** The telegram module's bus topics. */
export const telegramTopics = {
  /** Updates accepted (once each), answered by one worker. */
  update: defineTopic({ name: "telegram-update", kind: "job", schema: TelegramUpdateJob }),
};
