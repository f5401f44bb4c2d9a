import { sql, type Kysely, type Selectable, type Updateable } from "kysely";
import type { Tables } from "../../db/schema.ts";
import type { ConversationsTable, MessagesTable } from "./chat.tables.ts";

export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;

/** All SQL of conversations and messages. */
export class ChatRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async insertConversation(row: ConversationRow): Promise<void> {
    await this.#db.insertInto("conversations").values(row).execute();
  }

  findConversation(id: string): Promise<ConversationRow | undefined> {
    return this.#db.selectFrom("conversations").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The user's own conversations plus those of `teamIds`, newest first, after the cursor. */
  listConversations(options: {
    userId: string;
    teamIds: string[];
    q?: string;
    before?: { updatedAt: number; id: string };
    limit: number;
    teamId?: string;
  }): Promise<ConversationRow[]> {
    let query = this.#db
      .selectFrom("conversations")
      .selectAll()
      .orderBy("updated_at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit);
    query = options.teamId
      ? query.where("team_id", "=", options.teamId)
      : query.where((eb) =>
          eb.or([
            eb("user_id", "=", options.userId),
            ...(options.teamIds.length ? [eb("team_id", "in", options.teamIds)] : []),
          ]),
        );
    if (options.q) {
      const like = `%${options.q.toLowerCase().replace(/[%_\\]/g, "\\$&")}%`;
      query = query.where(sql<boolean>`lower(title) like ${like}`);
    }
    const before = options.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb("updated_at", "<", before.updatedAt),
          eb.and([eb("updated_at", "=", before.updatedAt), eb("id", "<", before.id)]),
        ]),
      );
    }
    return query.execute();
  }

  async updateConversation(id: string, patch: Updateable<ConversationsTable>): Promise<void> {
    await this.#db.updateTable("conversations").set(patch).where("id", "=", id).execute();
  }

  async deleteConversation(id: string): Promise<void> {
    await this.#db.deleteFrom("conversations").where("id", "=", id).execute();
  }

  /** The conversation's current messages in order (replaced ones left out). */
  messages(conversationId: string): Promise<MessageRow[]> {
    return this.#db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("replaced_at", "is", null)
      .orderBy("position")
      .execute();
  }

  findMessage(id: string): Promise<MessageRow | undefined> {
    return this.#db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The answer still being generated in a conversation, if any. */
  streamingMessage(conversationId: string): Promise<MessageRow | undefined> {
    return this.#db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("status", "=", "streaming")
      .orderBy("position", "desc")
      .executeTakeFirst();
  }

  /** The most recent assistant message, for snapshots. */
  lastAssistantMessage(conversationId: string): Promise<MessageRow | undefined> {
    return this.#db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("role", "=", "assistant")
      .where("replaced_at", "is", null)
      .orderBy("position", "desc")
      .executeTakeFirst();
  }

  /**
   * Stores the user's message (unless regenerating) and the assistant's (`streaming`) in one
   * transaction, refusing when an answer is still streaming. With `replaceFrom`, the current
   * messages at or after that position are marked replaced first (regenerate, edit and resend).
   * The unique (conversation, position) constraint makes two concurrent sends collide instead of
   * interleaving.
   * @returns null when an answer is still streaming.
   */
  async insertExchange(
    exchange: {
      user: MessageRow | null;
      assistant: MessageRow;
      replaceFrom?: number;
      /** The conversation's new title when this is its very first message. */
      titleIfFirst?: string;
    },
    now: number,
  ): Promise<{ user: MessageRow | null; assistant: MessageRow; titled: boolean } | null> {
    const conversationId = exchange.assistant.conversation_id;
    return this.#db.transaction().execute(async (trx) => {
      // One round trip for both facts: is an answer streaming, and the last position.
      const state = await trx
        .selectFrom("messages")
        .select((eb) => [
          eb.fn.max("position").as("max"),
          eb.fn.count<number | string>("id").filterWhere("status", "=", "streaming").as("streaming"),
        ])
        .where("conversation_id", "=", conversationId)
        .executeTakeFirst();
      if (Number(state?.streaming ?? 0) > 0) return null;
      if (exchange.replaceFrom !== undefined) {
        await trx
          .updateTable("messages")
          .set({ replaced_at: now })
          .where("conversation_id", "=", conversationId)
          .where("position", ">=", exchange.replaceFrom)
          .where("replaced_at", "is", null)
          .execute();
      }
      let next = (state?.max ?? -1) + 1;
      const user = exchange.user ? { ...exchange.user, position: next++ } : null;
      const assistant = { ...exchange.assistant, position: next };
      // New messages carry no usage yet.
      await trx
        .insertInto("messages")
        .values([...(user ? [user] : []), assistant].map((m) => ({ ...m, usage: null })))
        .execute();
      const titled = user?.position === 0 && exchange.titleIfFirst !== undefined;
      await trx
        .updateTable("conversations")
        .set(titled ? { updated_at: now, title: exchange.titleIfFirst } : { updated_at: now })
        .where("id", "=", conversationId)
        .execute();
      return { user, assistant, titled };
    });
  }

  /**
   * Ends a streaming message, once: only the first finalizer's update applies.
   * @returns whether this call finalized it.
   */
  async finalize(id: string, patch: Updateable<MessagesTable>): Promise<boolean> {
    const result = await this.#db
      .updateTable("messages")
      .set(patch)
      .where("id", "=", id)
      .where("status", "=", "streaming")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Streaming messages older than `createdBefore`, for the lost-worker sweep. */
  staleStreaming(createdBefore: number, limit: number): Promise<MessageRow[]> {
    return this.#db
      .selectFrom("messages")
      .selectAll()
      .where("status", "=", "streaming")
      .where("created_at", "<", createdBefore)
      .orderBy("created_at")
      .limit(limit)
      .execute();
  }
}
