import { sql, type Kysely, type Selectable, type Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ChatTables as Tables, ConversationsTable, MessagesTable } from "./chat.tables.ts";

export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;

/** A new exchange: the user's message (none when regenerating) and the `streaming` answer. */
export interface NewExchange {
  user: MessageRow | null;
  assistant: MessageRow;
  /** Current messages at or after this position are marked replaced first. */
  replaceFrom?: number;
  /** The conversation's new title when this is its very first message. */
  titleIfFirst?: string;
}

/** Stored exchange: the messages with their positions, and whether the title was set. */
export interface StoredExchange {
  user: MessageRow | null;
  assistant: MessageRow;
  titled: boolean;
}

/** SQL types of the message columns a new message sets (the position is computed). */
const NEW_MESSAGE_COLUMNS = {
  id: "text",
  conversation_id: "text",
  role: "text",
  content: "text",
  status: "text",
  model: "text",
  finish_reason: "text",
  error_code: "text",
  error_message: "text",
  ttft_ms: "integer",
  duration_ms: "integer",
  created_at: "bigint",
  completed_at: "bigint",
  replaced_at: "bigint",
} as const satisfies Partial<Record<keyof MessagesTable, string>>;

/** All SQL of conversations and messages. */
export class ChatRepository {
  readonly #db: Kysely<Tables>;
  readonly #dialect: Database["dialect"];
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#db = tablesOf<Tables>(database.db);
    this.#dialect = database.dialect;
  }

  async insertConversation(row: ConversationRow): Promise<void> {
    await this.#db.insertInto("conversations").values(row).execute();
  }

  findConversation(id: string): Promise<ConversationRow | undefined> {
    return this.#db.selectFrom("conversations").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The user's own conversations plus those of `teamIds`, newest first, after the cursor. */
  /**
   * Conversations, newest first: the personal ones of `userId` (none when null) and those of
   * `teamIds`, or only those of `teamId`.
   */
  listConversations(options: {
    userId: string | null;
    teamIds: string[];
    q?: string;
    before?: { updatedAt: number; id: string };
    limit: number;
    teamId?: string;
    projectId?: string;
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
            ...(options.userId !== null
              ? [eb.and([eb("user_id", "=", options.userId), eb("team_id", "is", null)])]
              : []),
            ...(options.teamIds.length ? [eb("team_id", "in", options.teamIds)] : []),
            // Nothing at all for a caller who may read neither.
            sql<boolean>`1 = 0`,
          ]),
        );
    if (options.projectId) query = query.where("project_id", "=", options.projectId);
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

  /**
   * Renames a conversation only while its title is still `expected` (not renamed meanwhile).
   * @returns whether it was renamed.
   */
  async retitle(id: string, expected: string, title: string): Promise<boolean> {
    const result = await this.#db
      .updateTable("conversations")
      .set({ title })
      .where("id", "=", id)
      .where("title", "=", expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
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
   * Stores the user's message (unless regenerating) and the assistant's (`streaming`) atomically,
   * refusing when an answer is still streaming. With `replaceFrom`, the current messages at or
   * after that position are marked replaced first (regenerate, edit and resend). The unique
   * (conversation, position) constraint makes two concurrent sends collide instead of
   * interleaving.
   * @returns null when an answer is still streaming.
   */
  insertExchange(exchange: NewExchange, now: number): Promise<StoredExchange | null> {
    return this.#dialect === "postgres"
      ? this.#insertExchangeInOneStatement(exchange, now)
      : this.#insertExchangeInTransaction(exchange, now);
  }

  /**
   * PostgreSQL: one statement (data-modifying CTEs), so the send costs one round trip and one
   * commit instead of a transaction's five round trips; the answer's first token waits for it.
   */
  async #insertExchangeInOneStatement(exchange: NewExchange, now: number): Promise<StoredExchange | null> {
    const conversationId = exchange.assistant.conversation_id;
    const messages = [...(exchange.user ? [exchange.user] : []), exchange.assistant];
    const columns = Object.keys(NEW_MESSAGE_COLUMNS) as (keyof typeof NEW_MESSAGE_COLUMNS)[];
    const tuples = messages.map(
      (m, offset) =>
        sql`(${sql.join([
          ...columns.map((c) => sql`${m[c]}::${sql.raw(NEW_MESSAGE_COLUMNS[c])}`),
          sql`${offset + 1}::integer`,
        ])})`,
    );
    const newTitle = exchange.user ? (exchange.titleIfFirst ?? null) : null;
    const replace =
      exchange.replaceFrom === undefined
        ? sql``
        : sql`replaced as (
            update messages set replaced_at = ${now}
            where conversation_id = ${conversationId} and position >= ${exchange.replaceFrom}
              and replaced_at is null and (select streaming from state) = 0
          ),`;
    // `streaming` is a bigint count, read as a number (see platform/db).
    const result = await sql<{ max: number; streaming: number }>`
      with state as (
        select coalesce(max(position), -1) as max,
               count(*) filter (where status = 'streaming') as streaming
        from messages where conversation_id = ${conversationId}
      ),
      ${replace}
      inserted as (
        insert into messages (${sql.join(columns.map((c) => sql.ref(c)))}, position, usage)
        select ${sql.join(columns.map((c) => sql.ref(`v.${c}`)))}, state.max + v.step, null
        from (values ${sql.join(tuples)}) as v(${sql.join(columns.map((c) => sql.ref(c)))}, step)
        cross join state
        where state.streaming = 0
        returning id
      ),
      touched as (
        update conversations
        set updated_at = ${now},
            title = case when ${newTitle}::text is not null and (select max from state) = -1
                         then ${newTitle}::text else title end
        where id = ${conversationId} and exists (select 1 from inserted)
      )
      select max, streaming from state
    `.execute(this.#db);
    const state = result.rows[0];
    if (!state || state.streaming > 0) return null;
    let next = state.max + 1;
    const user = exchange.user ? { ...exchange.user, position: next++, usage: null, sources: null } : null;
    const assistant = { ...exchange.assistant, position: next, usage: null, sources: null };
    return { user, assistant, titled: user?.position === 0 && newTitle !== null };
  }

  /** SQLite: a transaction (in-process, so its statements cost no round trips). */
  #insertExchangeInTransaction(exchange: NewExchange, now: number): Promise<StoredExchange | null> {
    const conversationId = exchange.assistant.conversation_id;
    return this.#db.transaction().execute(async (trx) => {
      // One query for both facts: is an answer streaming, and the last position.
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
      // New messages carry no usage or sources yet.
      await trx
        .insertInto("messages")
        .values([...(user ? [user] : []), assistant].map((m) => ({ ...m, usage: null, sources: null })))
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

  /**
   * Stores the text streamed so far of an answer that is still streaming. Guarded like
   * {@link finalize}: a write that lands after the answer ended (completed, failed by a sweep or
   * by start-up recovery) changes nothing.
   * @returns whether the answer was still streaming.
   */
  async saveProgress(id: string, content: string): Promise<boolean> {
    const result = await this.#db
      .updateTable("messages")
      .set({ content })
      .where("id", "=", id)
      .where("status", "=", "streaming")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Stores the sources of an answer that is still streaming, as soon as they are known, so that a
   * snapshot or a reload mid-answer shows them. Guarded like {@link saveProgress}.
   */
  async saveSources(id: string, sources: string | null): Promise<void> {
    await this.#db
      .updateTable("messages")
      .set({ sources })
      .where("id", "=", id)
      .where("status", "=", "streaming")
      .execute();
  }

  /**
   * Streaming messages created before `createdBefore`, oldest first: the lost-worker sweep's and
   * start-up recovery's work list.
   */
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
