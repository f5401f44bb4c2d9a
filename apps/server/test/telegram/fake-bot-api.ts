import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One Bot API call the fake received. */
export interface BotCall {
  token: string;
  method: string;
  params: Record<string, unknown>;
  /** What it answered: 200, or the injected or validation failure's code. */
  status: number;
}

/** A chat as updates carry it. */
export interface FakeChat {
  id: number;
  type: "private" | "group" | "supergroup";
}

interface FakeBot {
  id: number;
  username: string;
  firstName: string;
  webhook: { url: string; secret: string | undefined } | null;
  /** Updates not yet confirmed by a getUpdates offset. */
  pending: Record<string, unknown>[];
  nextUpdateId: number;
}

const ALLOWED_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "a",
  "code",
  "pre",
  "blockquote",
  "tg-spoiler",
  "span",
]);

/**
 * A small Telegram Bot API server of the project's own, for tests: `getMe`, `setWebhook`,
 * `deleteWebhook`, `getUpdates` (long polling, offsets confirming updates), `sendMessage`,
 * `editMessageText`, `sendMessageDraft` and `sendChatAction`, at `<url>/bot<token>/<method>`
 * like Telegram's. It checks HTML parse mode (known tags, balanced) and the 4,096-character
 * limit as Telegram does, delivers updates to a bot's webhook with its secret-token header, and
 * can answer the next calls of a method with 429 and `retry_after`.
 * @example
 * const tg = await startFakeBotApi(); const token = tg.addBot("parley_bot");
 * await tg.userSays(token, { id: 7, type: "private" }, "/start");
 */
export class FakeBotApi {
  readonly calls: BotCall[] = [];
  readonly #bots = new Map<string, FakeBot>();
  readonly #events = new EventEmitter();
  readonly #failures = new Map<string, { retryAfter: number; times: number }>();
  readonly #polling = new Map<string, { now: number; max: number }>();
  /** Methods whose calls wait, unanswered, until {@link release}; and the calls waiting. */
  readonly #holds = new Map<string, (() => void)[]>();
  #nextBotId = 7_000_000_001;
  #nextMessageId = 1;
  #server = createServer((req, res) => {
    void this.#handle(req, res);
  });
  url = "";

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    this.#events.setMaxListeners(1000);
    return this;
  }

  async close(): Promise<void> {
    this.#events.emit("closing");
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  /** Registers a bot and returns its token. */
  addBot(username: string): string {
    const id = this.#nextBotId++;
    const token = `${id}:${randomBytes(26).toString("base64url")}`;
    this.#bots.set(token, {
      id,
      username,
      firstName: username,
      webhook: null,
      pending: [],
      nextUpdateId: 100,
    });
    return token;
  }

  /** The webhook set for a bot, if any. */
  webhookOf(token: string): { url: string; secret: string | undefined } | null {
    return this.#bots.get(token)?.webhook ?? null;
  }

  /** Calls of `method` from now on wait, unanswered, until {@link release} (a bot stuck mid-update). */
  hold(method: string): void {
    if (!this.#holds.has(method)) this.#holds.set(method, []);
  }

  /** How many calls of `method` are waiting on a {@link hold}. */
  holding(method: string): number {
    return this.#holds.get(method)?.length ?? 0;
  }

  /** Lets the calls of `method` waiting on a {@link hold} through, and answers the next ones at once. */
  release(method: string): void {
    const waiting = this.#holds.get(method) ?? [];
    this.#holds.delete(method);
    for (const go of waiting) go();
  }

  /** The next `times` calls of `method` answer 429 with `retry_after` seconds. */
  rateLimit(method: string, retryAfter: number, times = 1): void {
    this.#failures.set(method, { retryAfter, times });
  }

  /** An update with a text message from a user in `chat`, with the bot's next update id. */
  update(token: string, chat: FakeChat, text: string, updateId?: number): Record<string, unknown> {
    const bot = this.#bot(token);
    const id = updateId ?? bot.nextUpdateId++;
    return {
      update_id: id,
      message: {
        message_id: this.#nextMessageId++,
        date: 1_700_000_000,
        chat: chat.type === "private" ? { ...chat, first_name: "Ada" } : { ...chat, title: "Group" },
        from: { id: 4242, is_bot: false, first_name: "Ada" },
        text,
      },
    };
  }

  /**
   * A user writes `text` to the bot: posted to its webhook (resolving to the webhook's status),
   * or queued for `getUpdates` (resolving to 0).
   */
  async userSays(token: string, chat: FakeChat, text: string): Promise<number> {
    return this.deliver(token, this.update(token, chat, text));
  }

  /** Delivers an update as Telegram would: to the webhook when one is set, else to getUpdates. */
  async deliver(token: string, update: Record<string, unknown>, secret?: string): Promise<number> {
    const bot = this.#bot(token);
    if (!bot.webhook) {
      bot.pending.push(update);
      this.#events.emit(`updates:${token}`);
      return 0;
    }
    const res = await fetch(bot.webhook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...((secret ?? bot.webhook.secret)
          ? { "x-telegram-bot-api-secret-token": secret ?? bot.webhook.secret }
          : {}),
      },
      body: JSON.stringify(update),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** The most `getUpdates` calls of one bot that were waiting at the same time. */
  maxConcurrentPolls(token: string): number {
    return this.#polling.get(token)?.max ?? 0;
  }

  /** The calls of `method` (of one bot, with a token). */
  callsOf(method: string, token?: string): BotCall[] {
    return this.calls.filter((c) => c.method === method && (token === undefined || c.token === token));
  }

  /** Resolves once `check` holds (checked after every call), failing after `timeoutMs`. */
  async until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#events.off("call", onCall);
        reject(
          new Error(
            `timed out waiting for ${what}; calls: ${JSON.stringify(this.calls.map((c) => [c.method, c.status, textOf(c.params).slice(0, 60)]))}`,
          ),
        );
      }, timeoutMs);
      const onCall = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#events.off("call", onCall);
        resolve();
      };
      this.#events.on("call", onCall);
    });
  }

  #bot(token: string): FakeBot {
    const bot = this.#bots.get(token);
    if (!bot) throw new Error("no such fake bot");
    return bot;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks).toString("utf8");
    const params = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const token = match?.[1] ?? "";
    const method = match?.[2] ?? "";
    const reply = (status: number, body: Record<string, unknown>) => {
      this.calls.push({ token, method, params, status });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      this.#events.emit("call");
    };
    const bot = this.#bots.get(token);
    if (!match || !bot) {
      reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
      return;
    }
    const held = this.#holds.get(method);
    if (held) {
      await new Promise<void>((resolve) => {
        held.push(resolve);
        this.#events.emit("call");
      });
      // Its caller may have died meanwhile: nobody to answer.
      if (res.destroyed) return;
    }
    const failure = this.#failures.get(method);
    if (failure && failure.times > 0) {
      failure.times--;
      reply(429, {
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${failure.retryAfter}`,
        parameters: { retry_after: failure.retryAfter },
      });
      return;
    }
    const ok = (result: unknown) => {
      reply(200, { ok: true, result });
    };
    const bad = (description: string) => {
      reply(400, { ok: false, error_code: 400, description: `Bad Request: ${description}` });
    };
    switch (method) {
      case "getMe": {
        ok({ id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username });
        return;
      }
      case "setWebhook":
        bot.webhook = { url: String(params.url), secret: params.secret_token as string | undefined };
        {
          ok(true);
          return;
        }
      case "deleteWebhook":
        bot.webhook = null;
        {
          ok(true);
          return;
        }
      case "getUpdates":
        return this.#getUpdates(bot, token, params, ok, reply, res);
      case "sendChatAction": {
        ok(true);
        return;
      }
      case "sendMessageDraft":
      case "sendMessage":
      case "editMessageText": {
        const problem = checkText(textOf(params), params.parse_mode as string | undefined, method);
        if (problem) {
          bad(problem);
          return;
        }
        if (method === "sendMessageDraft") {
          if (!(Number(params.draft_id) > 0)) {
            bad("draft_id must be non-zero");
            return;
          }
          ok(true);
          return;
        }
        const messageId = method === "sendMessage" ? this.#nextMessageId++ : Number(params.message_id);
        ok({
          message_id: messageId,
          date: 1_700_000_000,
          chat: { id: params.chat_id },
          text: params.text,
        });
        return;
      }
      default: {
        reply(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
        return;
      }
    }
  }

  async #getUpdates(
    bot: FakeBot,
    token: string,
    params: Record<string, unknown>,
    ok: (result: unknown) => void,
    reply: (status: number, body: Record<string, unknown>) => void,
    res: ServerResponse,
  ): Promise<void> {
    if (bot.webhook) {
      reply(409, {
        ok: false,
        error_code: 409,
        description: "Conflict: can't use getUpdates method while webhook is active",
      });
      return;
    }
    const polls = this.#polling.get(token) ?? { now: 0, max: 0 };
    this.#polling.set(token, polls);
    polls.now++;
    polls.max = Math.max(polls.max, polls.now);
    res.once("close", () => {
      polls.now--;
    });
    const offset = Number(params.offset ?? 0);
    bot.pending = bot.pending.filter((u) => Number(u.update_id) >= offset);
    if (!bot.pending.length && Number(params.timeout ?? 0) > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#events.off(`updates:${token}`, done);
          this.#events.off("closing", done);
          res.off("close", done);
          resolve();
        };
        const timer = setTimeout(done, Number(params.timeout) * 1000);
        this.#events.on(`updates:${token}`, done);
        this.#events.on("closing", done);
        res.on("close", done);
      });
    }
    if (res.destroyed) return;
    ok(bot.pending.slice(0, 100));
  }
}

/** Starts a fake Bot API server on a free port. */
export function startFakeBotApi(): Promise<FakeBotApi> {
  return new FakeBotApi().listen();
}

/** A call's `text` parameter, "" without one. */
function textOf(params: Record<string, unknown>): string {
  return typeof params.text === "string" ? params.text : "";
}

/** What Telegram would refuse in a message's text, or null. */
function checkText(text: string, parseMode: string | undefined, method: string): string | null {
  let visible = text;
  if (parseMode === "HTML") {
    const stack: string[] = [];
    for (const tag of text.matchAll(/<(\/?)([a-z-]+)([^>]*)>/g)) {
      const [, closing, name = ""] = tag;
      if (!ALLOWED_TAGS.has(name)) return `can't parse entities: unsupported start tag "${name}"`;
      if (closing) {
        if (stack.pop() !== name) return `can't parse entities: unmatched end tag "${name}"`;
      } else stack.push(name);
    }
    if (stack.length) return `can't parse entities: unclosed tag "${stack.at(-1) ?? ""}"`;
    if (/&(?!(lt|gt|amp|quot);)/.test(text)) return "can't parse entities: bad entity";
    visible = text.replace(/<[^>]+>/g, "").replace(/&(lt|gt|amp|quot);/g, "x");
  }
  if (method !== "sendMessageDraft" && !visible.trim()) return "message text is empty";
  if (visible.length > 4096) return "message is too long";
  return null;
}
