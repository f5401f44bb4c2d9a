import type { ChatEvent, TelegramUpdate, TelegramUpdateJob } from "@parley/contracts";
import { GrammyError } from "grammy";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import { channelMayAnswer, channelPrincipal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { RateLimiter } from "../../platform/rate-limit/rate-limit.port.ts";
import type { ChatExports } from "../chat/index.ts";
import type { AuthService } from "../identity/index.ts";
import type { AssistantService } from "../assistants/index.ts";
import { botApi, type BotApi } from "./bot-api.ts";
import { LiveReply } from "./telegram-reply.ts";
import type { TelegramBotRow, TelegramRepository } from "./telegram.repository.ts";
import type { TelegramService } from "./telegram.service.ts";
import { HELP_TEXT, NEW_TEXT, ONLY_TEXT, codeOf, failureNotice, startText } from "./telegram-notices.ts";

type Message = NonNullable<TelegramUpdate["message"]>;

/** How an answer ended. */
type Outcome = { kind: "completed"; text: string } | { kind: "failed"; code: string } | { kind: "cancelled" };

/** What answering updates needs. */
export interface TelegramAnswersDeps {
  bots: TelegramRepository;
  service: Pick<TelegramService, "token" | "setStatus">;
  chat: ChatExports;
  auth: Pick<AuthService, "principalOfUser">;
  assistants: Pick<AssistantService, "visible">;
  clock: Clock;
  logger: Logger;
  apiRoot: string;
  /** Counts each chat's messages: one chat cannot spend its bot's connector's allowance alone. */
  limiter: Pick<RateLimiter, "consume">;
  chatMessagesPerMinute: number;
}

/**
 * Answers the updates accepted for a bot: `/start`, `/new`, `/help`, and any other text as the
 * next message of the chat's current conversation, held with the bot's assistant through chat's
 * service, on behalf of whoever connected the bot. The answer streams into the chat.
 */
export class TelegramAnswers {
  readonly #d: TelegramAnswersDeps;
  constructor(deps: TelegramAnswersDeps) {
    this.#d = deps;
  }

  /**
   * Handles one accepted update. Failures are told to the chat and recorded as the bot's status,
   * never thrown: a retried job would send the message to the conversation twice.
   */
  async handle(job: TelegramUpdateJob, keepAlive: () => Promise<void>): Promise<void> {
    await this.#handle(job, keepAlive);
    // Handled, whichever way it went: an embedded restart does not queue it again.
    await this.#d.bots
      .markDone(job.botId, job.update.update_id, this.#d.clock.now())
      .catch((error: unknown) => {
        this.#d.logger.warn(
          { err: error, botId: job.botId },
          "a Telegram update could not be marked handled",
        );
      });
  }

  async #handle(job: TelegramUpdateJob, keepAlive: () => Promise<void>): Promise<void> {
    const row = await this.#d.bots.find(job.botId);
    const message = job.update.message;
    if (!row || !message) return;
    const api = botApi(this.#d.service.token(row), { apiRoot: this.#d.apiRoot });
    try {
      await this.#handleMessage(row, api, { ...message, updateId: job.update.update_id }, keepAlive);
      if (row.status === "error") await this.#d.service.setStatus(row.id, null);
    } catch (error) {
      this.#d.logger.warn({ err: error, botId: row.id }, "a Telegram update could not be answered");
      // A chat that blocked the bot (403) is that chat's matter, not the bot's status.
      if (!(error instanceof GrammyError && error.error_code === 403))
        await this.#d.service.setStatus(row.id, error).catch(() => undefined);
    }
  }

  async #handleMessage(
    row: TelegramBotRow,
    api: BotApi,
    message: Message & { updateId: number },
    keepAlive: () => Promise<void>,
  ) {
    const chatId = message.chat.id;
    const target = { chatId, privateChat: message.chat.type === "private", replyTo: message.message_id };
    const reply = new LiveReply(api, target, this.#d.clock);
    const text = message.text?.trim();
    if (!text) return reply.notice(ONLY_TEXT);
    switch (commandOf(text, row.username)) {
      case "start": {
        const ctx = await this.#context(row, chatId);
        const name = ctx ? (await this.#d.assistants.visible(row.assistant_id, ctx)).name : row.name;
        return reply.notice(startText(name));
      }
      case "help":
        return reply.notice(HELP_TEXT);
      case "new":
        await this.#d.bots.setConversation(row.id, String(chatId), null, this.#d.clock.now());
        return reply.notice(NEW_TEXT);
      case "other":
        return reply.notice(HELP_TEXT);
      case "foreign":
        return;
      default:
        return this.#answer(
          row,
          api,
          reply,
          { chatId, updateId: message.updateId, text: withoutMention(text, row.username) },
          keepAlive,
        );
    }
  }

  async #answer(
    row: TelegramBotRow,
    api: BotApi,
    reply: LiveReply,
    input: { chatId: number; updateId: number; text: string },
    keepAlive: () => Promise<void>,
  ): Promise<void> {
    const ctx = await this.#context(row, input.chatId);
    if (!ctx) return reply.notice(failureNotice("publisher.gone"));
    // A job delivered again because its worker died follows the answer that worker started: sent
    // again, the message would be asked (and paid for) twice, or refused as a concurrent send.
    let started = await this.#d.bots.answerOf(row.id, input.updateId);
    if (!started) {
      const allowed = await this.#d.limiter.consume(`telegram-chat:${row.id}:${input.chatId}`, {
        points: this.#d.chatMessagesPerMinute,
        durationMs: 60_000,
      });
      if (!allowed.allowed) return reply.notice(failureNotice("rate_limit.exceeded"));
      await api.sendChatAction(input.chatId, "typing").catch(() => undefined);
      try {
        started = await this.#send(row, String(input.chatId), input.updateId, input.text, ctx);
      } catch (error) {
        return reply.notice(failureNotice(codeOf(error)));
      }
      await this.#d.bots
        .recordAnswer(row.id, input.updateId, started, this.#d.clock.now())
        .catch((error: unknown) => {
          // The answer still goes to the chat; only a redelivery after a crash would send it again.
          this.#d.logger.warn({ err: error, botId: row.id }, "a Telegram answer could not be recorded");
        });
    }
    let outcome: Outcome;
    try {
      outcome = await this.#follow(started, ctx, (text) => {
        reply.show(text);
        void keepAlive().catch(() => undefined);
      });
    } catch (error) {
      return reply.notice(failureNotice(codeOf(error)));
    }
    if (outcome.kind === "completed") {
      if (outcome.text.trim()) await reply.finish(outcome.text);
      else await reply.notice("(no answer)");
    } else await reply.notice(outcome.kind === "failed" ? failureNotice(outcome.code) : "(answer stopped)");
  }

  /**
   * Sends `text` to the chat's current conversation, or starts one with it, keyed by the update:
   * a job delivered again after its worker died between this send and `recordAnswer` gets the
   * answer already started, not a second one.
   */
  async #send(row: TelegramBotRow, chatId: string, updateId: number, text: string, ctx: RequestContext) {
    const once = { idempotencyKey: `telegram:${row.id}:${updateId}` };
    const current = await this.#d.bots.conversationOf(row.id, chatId);
    if (current) {
      try {
        const sent = await this.#d.chat.chat.send(current, { content: text }, ctx, once);
        return { conversationId: current, messageId: sent.assistantMessage.id };
      } catch (error) {
        // Deleted meanwhile: a new one starts.
        if (!(error instanceof AppError && error.code === "conversation.not_found")) throw error;
      }
    }
    const created = await this.#d.chat.chat.create(
      { assistantId: row.assistant_id, teamId: row.team_id, message: { content: text } },
      ctx,
      once,
    );
    if (!created.assistantMessage)
      throw new AppError("server.internal", "The conversation started without an answer");
    await this.#d.bots.setConversation(row.id, chatId, created.id, this.#d.clock.now());
    return { conversationId: created.id, messageId: created.assistantMessage.id };
  }

  /** Reads the answer's events until it ends, calling `progress` with its text so far. */
  async #follow(
    started: { conversationId: string; messageId: string },
    ctx: RequestContext,
    progress: (text: string) => void,
  ): Promise<Outcome> {
    const stream = await this.#d.chat.events.open(started.conversationId, ctx);
    try {
      // An answer that ended before the stream opened is told by the conversation, not the stream.
      const stored = (await this.#d.chat.chat.get(started.conversationId, ctx)).messages.find(
        (m) => m.id === started.messageId,
      );
      if (stored && stored.status !== "streaming")
        return ended(stored.status, stored.content, stored.error?.code);
      let text = "";
      const first = stream.snapshot?.event;
      if (first?.type === "snapshot" && first.messageId === started.messageId) text = first.text;
      for await (const entry of stream) {
        const event: ChatEvent = entry.data;
        if (!("messageId" in event) || event.messageId !== started.messageId) continue;
        if (event.type === "message.delta") {
          text += event.text;
          progress(text);
        } else if (event.type === "snapshot") text = event.text;
        else if (event.type === "message.restarted") text = "";
        else if (event.type === "message.completed") return { kind: "completed", text };
        else if (event.type === "message.failed") return { kind: "failed", code: event.error.code };
        else if (event.type === "message.cancelled") return { kind: "cancelled" };
      }
      return { kind: "failed", code: "worker.lost" };
    } finally {
      await stream.close();
    }
  }

  /**
   * The context a chat's messages are answered in: the channel principal of the Telegram chat
   * (whoever connected the bot, narrowed to the bot's team and to this chat's conversations,
   * ADR 0036), while they may still use AI there; null when they may not (or are gone).
   */
  async #context(row: TelegramBotRow, chatId: number): Promise<RequestContext | null> {
    if (!row.created_by) return null;
    // A disabled account answers nobody, as a deleted one.
    const publisher = await this.#d.auth.principalOfUser(row.created_by, { activeOnly: true });
    if (!publisher) return null;
    const principal = channelPrincipal(publisher, {
      kind: "telegram",
      id: row.id,
      subject: String(chatId),
      teamId: row.team_id,
    });
    if (!channelMayAnswer(principal)) return null;
    return { requestId: null, ip: null, userAgent: "telegram", principal };
  }
}

function ended(status: string, content: string, code: string | undefined) {
  if (status === "completed") return { kind: "completed" as const, text: content };
  if (status === "cancelled") return { kind: "cancelled" as const };
  return { kind: "failed" as const, code: code ?? "server.internal" };
}

/**
 * The command a message is (`/start`, `/start@thisbot`): "other" for another command of ours,
 * "foreign" for one addressed to another bot of a group, null for text.
 */
export function commandOf(
  text: string,
  username: string,
): "start" | "new" | "help" | "other" | "foreign" | null {
  const match = /^\/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s|$)/.exec(text);
  if (!match) return null;
  // A command addressed to another bot of a group is not ours.
  if (match[2] && match[2].toLowerCase() !== username.toLowerCase()) return "foreign";
  const name = match[1]?.toLowerCase();
  return name === "start" || name === "new" || name === "help" ? name : "other";
}

/** The text without a leading `@thisbot` mention (groups). */
function withoutMention(text: string, username: string): string {
  const mention = `@${username}`;
  return text.toLowerCase().startsWith(mention.toLowerCase())
    ? text.slice(mention.length).trim() || text
    : text;
}
