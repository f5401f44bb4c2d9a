import { TelegramUpdate, telegramTopics } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { secretMatches, webhookSecret } from "./bot-api.ts";
import type { TelegramRepository } from "./telegram.repository.ts";

/** What taking in updates needs. */
export interface TelegramIntakeDeps {
  bots: TelegramRepository;
  bus: TypedBus;
  clock: Clock;
  encryptionKey: Buffer;
}

/**
 * Where updates come in, from the webhook or from long polling: each is accepted once per bot
 * and `update_id` (a replay, or a concurrent second delivery, is dropped by the table's unique
 * key) and queued for a worker to answer, so the webhook answers at once.
 */
export class TelegramIntake {
  readonly #d: TelegramIntakeDeps;
  constructor(deps: TelegramIntakeDeps) {
    this.#d = deps;
  }

  /**
   * Refuses a webhook delivery for bot `botId` unless `secret` (its secret-token header) is the
   * bot's secret, compared in constant time. The route calls it before the body is read, so a
   * stranger's delivery costs no parsing.
   * @throws AppError `telegram.webhook_unauthorized` (no such webhook bot, or a wrong secret).
   */
  async authorize(botId: string, secret: string | undefined): Promise<void> {
    const expected = webhookSecret(this.#d.encryptionKey, botId);
    const matches = secretMatches(secret, expected);
    const row = await this.#d.bots.find(botId);
    if (!matches || !row || row.mode !== "webhook")
      throw new AppError("telegram.webhook_unauthorized", "Wrong or missing X-Telegram-Bot-Api-Secret-Token");
  }

  /**
   * Takes in what Telegram posted to the webhook of bot `botId`, once {@link authorize} passed for
   * the delivery (the route does so before the body is read, and does not ask twice).
   * @throws AppError `validation.failed` (not an update).
   */
  async webhook(botId: string, body: unknown): Promise<{ accepted: boolean }> {
    const update = TelegramUpdate.safeParse(body);
    if (!update.success)
      throw new AppError("validation.failed", "Not a Telegram update", {
        details: { issues: [{ location: "body", path: "update_id", message: "is not an update" }] },
      });
    return { accepted: await this.accept(botId, update.data) };
  }

  /**
   * Accepts `update` of bot `botId` once and queues it; false for a replay. Queued before it is
   * recorded: a pod that dies in between has recorded nothing, so Telegram's retry (or the next
   * poll) brings the update again, and is answered; recorded first, the retry would be dropped as
   * a replay of an update never queued. Concurrent deliveries queue one job: the queue drops a
   * second job of the same id (within its duplicate window), and the table's unique key says
   * which delivery accepted it.
   */
  async accept(botId: string, update: TelegramUpdate): Promise<boolean> {
    if (await this.#d.bots.accepted(botId, update.update_id)) return false;
    await this.#d.bus.enqueue(telegramTopics.update, {
      id: `${botId}:${update.update_id}`,
      payload: { v: 1, botId, update },
    });
    return this.#d.bots.accept(botId, update.update_id, this.#d.clock.now(), update);
  }

  /**
   * Queues again the updates accepted in the last day that no worker finished: for a process
   * that is the only one on its database (embedded), whose queue was in the memory of a process
   * that died. Telegram does not deliver an update again once it got a 200, so without this a
   * crash between the webhook's answer and the bot's reply would leave the chat unanswered. A
   * job whose answer had started follows that answer (see `TelegramAnswers`).
   * @returns how many updates were queued.
   */
  async requeueUnfinished(): Promise<number> {
    const since = this.#d.clock.now() - DAY_MS;
    let queued = 0;
    for (const row of await this.#d.bots.unfinished(since, MAX_REQUEUED)) {
      const update = TelegramUpdate.safeParse(JSON.parse(row.payload));
      if (!update.success) continue;
      await this.#d.bus.enqueue(telegramTopics.update, {
        id: `${row.bot_id}:${row.update_id}`,
        payload: { v: 1, botId: row.bot_id, update: update.data },
      });
      queued++;
    }
    return queued;
  }
}

const DAY_MS = 86_400_000;
/** At most this many updates are queued again at a start (a day of a busy bot's backlog). */
const MAX_REQUEUED = 10_000;
