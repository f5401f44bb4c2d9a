import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import { isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import type { TelegramBotsTable, TelegramTables } from "./telegram.tables.ts";

export type TelegramBotRow = Selectable<TelegramBotsTable>;

/** All SQL of the telegram module: bots, accepted updates, chats' current conversations. */
export class TelegramRepository {
  readonly #db: Kysely<TelegramTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<TelegramTables>(database.db);
  }

  async insert(row: Insertable<TelegramBotsTable>): Promise<void> {
    await this.#db.insertInto("telegram_bots").values(row).execute();
  }

  find(id: string): Promise<TelegramBotRow | undefined> {
    return this.#db.selectFrom("telegram_bots").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The bots of these teams (optionally of one assistant), oldest first. */
  list(filter: { teamIds: readonly string[]; assistantId?: string }): Promise<TelegramBotRow[]> {
    if (!filter.teamIds.length) return Promise.resolve([]);
    let query = this.#db.selectFrom("telegram_bots").selectAll().where("team_id", "in", filter.teamIds);
    if (filter.assistantId) query = query.where("assistant_id", "=", filter.assistantId);
    return query.orderBy("created_at").orderBy("id").limit(500).execute();
  }

  /** Every bot in `mode` (the polling worker's list). */
  byMode(mode: string): Promise<TelegramBotRow[]> {
    return this.#db.selectFrom("telegram_bots").selectAll().where("mode", "=", mode).execute();
  }

  async update(id: string, changes: Updateable<TelegramBotsTable>): Promise<void> {
    await this.#db.updateTable("telegram_bots").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom("telegram_bots").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Records update `updateId` of bot `botId` as accepted, and when it arrived; false when it
   * was accepted before (a replay), decided by the table's unique key, so concurrent deliveries
   * of one update accept it once.
   */
  async accept(botId: string, updateId: number, now: number, update: unknown): Promise<boolean> {
    try {
      await this.#db
        .insertInto("telegram_updates")
        .values({
          bot_id: botId,
          update_id: updateId,
          received_at: now,
          payload: JSON.stringify(update),
          done_at: null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
    await this.#db
      .updateTable("telegram_bots")
      .set({ last_update_at: now })
      .where("id", "=", botId)
      .execute();
    return true;
  }

  /**
   * Marks update `updateId` of bot `botId` handled and drops its payload. An upsert: should the
   * worker finish before the intake recorded the update (it queues first), the row is created
   * done, and the intake's late insert is then a replay.
   */
  async markDone(botId: string, updateId: number, now: number): Promise<void> {
    await this.#db
      .insertInto("telegram_updates")
      .values({ bot_id: botId, update_id: updateId, received_at: now, payload: null, done_at: now })
      .onConflict((oc) => oc.columns(["bot_id", "update_id"]).doUpdateSet({ payload: null, done_at: now }))
      .execute();
  }

  /** Updates accepted since `since` that no worker finished, oldest first, with what Telegram sent. */
  unfinished(
    since: number,
    limit: number,
  ): Promise<{ bot_id: string; update_id: number; payload: string }[]> {
    return this.#db
      .selectFrom("telegram_updates")
      .select(["bot_id", "update_id", "payload"])
      .where("done_at", "is", null)
      .where("payload", "is not", null)
      .where("received_at", ">=", since)
      .orderBy("received_at")
      .orderBy("update_id")
      .limit(limit)
      .$narrowType<{ payload: string }>()
      .execute();
  }

  /** Whether update `updateId` of bot `botId` was accepted before. */
  async accepted(botId: string, updateId: number): Promise<boolean> {
    const row = await this.#db
      .selectFrom("telegram_updates")
      .select("update_id")
      .where("bot_id", "=", botId)
      .where("update_id", "=", updateId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Forgets accepted updates, and the answers they started, older than `before` (Telegram keeps undelivered ones 24 hours). */
  async forgetUpdates(before: number): Promise<void> {
    await this.#db.deleteFrom("telegram_updates").where("received_at", "<", before).execute();
    await this.#db.deleteFrom("telegram_answers").where("created_at", "<", before).execute();
  }

  /** The answer update `updateId` of bot `botId` started, if one did. */
  answerOf(
    botId: string,
    updateId: number,
  ): Promise<{ conversationId: string; messageId: string } | undefined> {
    return this.#db
      .selectFrom("telegram_answers")
      .select(["conversation_id as conversationId", "message_id as messageId"])
      .where("bot_id", "=", botId)
      .where("update_id", "=", updateId)
      .executeTakeFirst();
  }

  /** Records the answer update `updateId` of bot `botId` started. */
  async recordAnswer(
    botId: string,
    updateId: number,
    answer: { conversationId: string; messageId: string },
    now: number,
  ): Promise<void> {
    await this.#db
      .insertInto("telegram_answers")
      .values({
        bot_id: botId,
        update_id: updateId,
        conversation_id: answer.conversationId,
        message_id: answer.messageId,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(["bot_id", "update_id"]).doNothing())
      .execute();
  }

  /** The current conversation of a chat with a bot, if any. */
  async conversationOf(botId: string, chatId: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom("telegram_chats")
      .select("conversation_id")
      .where("bot_id", "=", botId)
      .where("chat_id", "=", chatId)
      .executeTakeFirst();
    return row?.conversation_id ?? null;
  }

  /** Sets (or, with null, clears) the current conversation of a chat with a bot. */
  async setConversation(botId: string, chatId: string, conversationId: string | null, now: number) {
    await this.#db
      .insertInto("telegram_chats")
      .values({ bot_id: botId, chat_id: chatId, conversation_id: conversationId, updated_at: now })
      .onConflict((oc) =>
        oc.columns(["bot_id", "chat_id"]).doUpdateSet({ conversation_id: conversationId, updated_at: now }),
      )
      .execute();
  }
}
