import { GrammyError } from "grammy";
import type { Clock } from "../../platform/clock/clock.ts";
import type { BotApi } from "./bot-api.ts";
import { TELEGRAM_MAX_CHARS, splitEscaped, toTelegramMessages } from "./telegram-format.ts";

/** How often a streaming answer is shown again: drafts in private chats, edits in groups. */
export const DRAFT_INTERVAL_MS = 400;
/** Groups allow about 20 messages a minute: an edit every 3 seconds stays well within. */
export const EDIT_INTERVAL_MS = 3000;

/** Where an answer goes: a chat, private or not, and the message it answers. */
export interface ReplyTarget {
  chatId: number;
  privateChat: boolean;
  /** The user's message (a group reply quotes it). */
  replyTo?: number;
}

/**
 * One answer shown in a Telegram chat while it streams, then sent whole. Private chats see it
 * as a message draft (`sendMessageDraft`, Bot API 9), groups as a message edited at most every
 * {@link EDIT_INTERVAL_MS}; the end is sent as Telegram HTML in messages of at most 4,096
 * characters. Updates never overlap: while one is in flight, newer text waits for the next, and
 * the final text always goes out. A 429 waits for its `retry_after` (the client's transformer).
 * @example
 * const reply = new LiveReply(api, { chatId, privateChat: true }, clock);
 * reply.show("Hel"); reply.show("Hello"); await reply.finish("Hello **world**");
 */
export class LiveReply {
  readonly #api: BotApi;
  readonly #target: ReplyTarget;
  readonly #clock: Clock;
  readonly #draftId = 1 + Math.floor(Math.random() * 2_000_000_000);
  #inFlight: Promise<void> | null = null;
  #lastShownAt = 0;
  /** The group message being edited, once sent. */
  #liveMessageId: number | null = null;
  #shownText = "";

  constructor(api: BotApi, target: ReplyTarget, clock: Clock) {
    this.#api = api;
    this.#target = target;
    this.#clock = clock;
  }

  /** Shows `text` (the answer so far) unless an update is in flight or one was shown too recently. */
  show(text: string): void {
    const interval = this.#target.privateChat ? DRAFT_INTERVAL_MS : EDIT_INTERVAL_MS;
    const now = this.#clock.now();
    if (this.#inFlight || now - this.#lastShownAt < interval || !text.trim()) return;
    // The end of a long answer: a draft or a message holds 4,096 characters.
    const shown = text.length > TELEGRAM_MAX_CHARS - 2 ? `…${text.slice(-(TELEGRAM_MAX_CHARS - 2))}` : text;
    if (shown === this.#shownText) return;
    this.#lastShownAt = now;
    this.#shownText = shown;
    this.#inFlight = this.#showNow(shown)
      .catch(() => undefined) // a lost preview is replaced by the next one, or by the final text
      .finally(() => {
        this.#inFlight = null;
      });
  }

  /** Sends the whole answer (`markdown`), as HTML; returns how many messages it took. */
  async finish(markdown: string): Promise<number> {
    await this.#inFlight;
    const messages = toTelegramMessages(markdown);
    if (!messages.length) return 0;
    let first = 0;
    if (this.#liveMessageId !== null) {
      await this.#edit(this.#liveMessageId, messages[0] ?? "");
      first = 1;
    }
    for (const html of messages.slice(first)) await this.#send(html);
    return messages.length;
  }

  /** Sends a plain notice (a failure, a refusal), replacing a group's live message if there is one. */
  async notice(text: string): Promise<void> {
    await this.#inFlight;
    const html = splitEscaped(text, TELEGRAM_MAX_CHARS)[0] ?? "";
    if (this.#liveMessageId !== null) await this.#edit(this.#liveMessageId, html);
    else await this.#send(html);
  }

  async #showNow(text: string): Promise<void> {
    const chatId = this.#target.chatId;
    if (this.#target.privateChat) {
      await this.#api.sendMessageDraft(chatId, this.#draftId, text);
    } else if (this.#liveMessageId === null) {
      const sent = await this.#api.sendMessage(chatId, text, this.#replyOptions());
      this.#liveMessageId = sent.message_id;
    } else {
      await this.#api.editMessageText(chatId, this.#liveMessageId, text);
    }
  }

  async #send(html: string): Promise<void> {
    try {
      await this.#api.sendMessage(this.#target.chatId, html, { parse_mode: "HTML", ...this.#replyOptions() });
    } catch (error) {
      if (!unparsable(error)) throw error;
      await this.#api.sendMessage(this.#target.chatId, plain(html), this.#replyOptions());
    }
  }

  async #edit(messageId: number, html: string): Promise<void> {
    try {
      await this.#api.editMessageText(this.#target.chatId, messageId, html, { parse_mode: "HTML" });
    } catch (error) {
      if (error instanceof GrammyError && /not modified/i.test(error.description)) return;
      if (!unparsable(error)) throw error;
      await this.#api.editMessageText(this.#target.chatId, messageId, plain(html));
    }
  }

  #replyOptions() {
    return !this.#target.privateChat && this.#target.replyTo !== undefined
      ? { reply_parameters: { message_id: this.#target.replyTo, allow_sending_without_reply: true } }
      : {};
  }
}

/** Whether Telegram refused a message's HTML (then it goes out as plain text). */
function unparsable(error: unknown): boolean {
  return (
    error instanceof GrammyError && error.error_code === 400 && /parse entities/i.test(error.description)
  );
}

/** HTML as the plain text it shows. */
function plain(html: string): string {
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}
