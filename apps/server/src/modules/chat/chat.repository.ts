import { sql, type Kysely, type Selectable, type Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ChatTables as Tables, ConversationsTable, MessagesTable } from "./chat.tables.ts";

export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;

/**
 * A new exchange: the user's message (none when regenerating) and the `streaming` answer. The
 * first of them follows the end of the current path, or becomes a new version of `replaces`.
 */
export interface NewExchange {
  user: MessageRow | null;
  assistant: MessageRow;
  /**
   * The current message this exchange makes a new version of (an edit, a regenerate): it and the
   * rest of the current path after it leave the path (kept as a branch), and the first new
   * message takes its parent.
   */
  replaces?: Pick<MessageRow, "id" | "position" | "parent_id">;
  /** The conversation's new title when this is its very first message. */
  titleIfFirst?: string;
}

/** Why an exchange was not stored: an answer is streaming, or the path changed since it was read. */
export type ExchangeRefusal = "streaming" | "changed";

/** Stored exchange: the messages with their positions and parents, and whether the title was set. */
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
  idempotency_key: "text",
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
    /** A channel's visitor's own (null: the web app's and API's, never a channel's). */
    channel: { id: string; subject: string } | null;
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
    query = options.channel
      ? query
          .where("channel_id", "=", options.channel.id)
          .where("channel_subject", "=", options.channel.subject)
      : query.where("channel", "=", "web");
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

  /** The ids of the conversations held on channel `kind` `id` (a widget's or bot's visitors'). */
  async channelConversationIds(kind: string, id: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("conversations")
      .select("id")
      .where("channel", "=", kind)
      .where("channel_id", "=", id)
      .execute();
    return rows.map((r) => r.id);
  }

  /** How many conversations are held on channel `kind` `id`. */
  async countChannelConversations(kind: string, id: string): Promise<number> {
    const row = await this.#db
      .selectFrom("conversations")
      .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
      .where("channel", "=", kind)
      .where("channel_id", "=", id)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
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

  /** The conversation `userId` started with idempotency key `key`, if any. */
  conversationByKey(userId: string, key: string): Promise<ConversationRow | undefined> {
    return this.#db
      .selectFrom("conversations")
      .selectAll()
      .where("user_id", "=", userId)
      .where("idempotency_key", "=", key)
      .executeTakeFirst();
  }

  /**
   * The exchange a message sent with idempotency key `key` in the conversation stored: the user
   * message and the newest answer to it (a regenerated one replaces the first).
   */
  async exchangeByKey(
    conversationId: string,
    key: string,
  ): Promise<{ user: MessageRow; assistant: MessageRow | undefined } | undefined> {
    const user = await this.#db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("idempotency_key", "=", key)
      .executeTakeFirst();
    if (!user) return undefined;
    const assistant = await this.#db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("parent_id", "=", user.id)
      .where("role", "=", "assistant")
      .orderBy("position", "desc")
      .limit(1)
      .executeTakeFirst();
    return { user, assistant };
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
   * refusing when an answer is still streaming. The first new message follows the last current
   * one, or, with `replaces`, becomes a new version of that message: it and the current messages
   * after it leave the path first (regenerate, edit and resend; they stay stored as a branch).
   * Every stored exchange bumps the conversation's `path_version`, and the exchange is refused
   * when the path changed since it was read (a concurrent send or switch), so that the current
   * messages always form one path. The unique (conversation, position) constraint keeps positions
   * distinct as well.
   * @returns the refusal when an answer is still streaming, or the path changed meanwhile (or
   *   `replaces` is no longer current).
   */
  insertExchange(exchange: NewExchange, now: number): Promise<StoredExchange | ExchangeRefusal> {
    return this.#dialect === "postgres"
      ? this.#insertExchangeInOneStatement(exchange, now)
      : this.#insertExchangeInTransaction(exchange, now);
  }

  /**
   * PostgreSQL: one statement (data-modifying CTEs), so the send costs one round trip and one
   * commit instead of a transaction's five round trips; the answer's first token waits for it.
   * Its reads see the statement's snapshot, so everything it writes waits for its update of the
   * conversation row, which only applies while `path_version` is still the one it read: a switch
   * or send that committed meanwhile bumped it, and then nothing is written.
   */
  async #insertExchangeInOneStatement(
    exchange: NewExchange,
    now: number,
  ): Promise<StoredExchange | ExchangeRefusal> {
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
    const replaces = exchange.replaces;
    // The first new message's parent: the replaced message's, else the end of the current path.
    const firstParent = replaces ? sql`${replaces.parent_id}::text` : sql`state.tip`;
    const replace = replaces
      ? sql`replaced as (
            update messages
            set replaced_at = greatest(${now}::bigint, (select last_replaced from state) + 1)
            where conversation_id = ${conversationId} and position >= ${replaces.position}
              and replaced_at is null and exists (select 1 from touched)
          ),`
      : sql``;
    // `streaming` and the other counts are bigints, read as numbers (see platform/db).
    const result = await sql<{
      max: number;
      streaming: number;
      tip: string | null;
      applied: number;
    }>`
      with state as (
        select coalesce(max(position), -1) as max,
               count(*) filter (where status = 'streaming') as streaming,
               coalesce(max(replaced_at), 0) as last_replaced,
               (select id from messages where conversation_id = ${conversationId} and replaced_at is null
                order by position desc limit 1) as tip,
               ${replaces ? sql`count(*) filter (where id = ${replaces.id} and replaced_at is null)` : sql`1`}
                 as target,
               (select path_version from conversations where id = ${conversationId}) as version
        from messages where conversation_id = ${conversationId}
      ),
      touched as (
        update conversations
        set updated_at = ${now},
            path_version = path_version + 1,
            title = case when ${newTitle}::text is not null and (select max from state) = -1
                         then ${newTitle}::text else title end
        where id = ${conversationId} and path_version = (select version from state)
          and (select streaming from state) = 0 and (select target from state) = 1
        returning id
      ),
      ${replace}
      inserted as (
        insert into messages (${sql.join(columns.map((c) => sql.ref(c)))}, parent_id, position, usage)
        select ${sql.join(columns.map((c) => sql.ref(`v.${c}`)))},
               case when v.step = 1 then ${firstParent} else ${exchange.user?.id ?? null}::text end,
               state.max + v.step, null
        from (values ${sql.join(tuples)}) as v(${sql.join(columns.map((c) => sql.ref(c)))}, step)
        cross join state
        where exists (select 1 from touched)
        returning id
      )
      select max, streaming, tip, (select count(*) from touched) as applied from state
    `.execute(this.#db);
    const state = result.rows[0];
    if (!state || state.streaming > 0) return "streaming";
    if (state.applied === 0) return "changed";
    return this.#stored(exchange, state.max, replaces ? replaces.parent_id : state.tip, newTitle !== null);
  }

  /** The exchange as stored after position `max`, its first message following `parent`. */
  #stored(exchange: NewExchange, max: number, parent: string | null, hasTitle: boolean): StoredExchange {
    let next = max + 1;
    const fresh = { usage: null, sources: null };
    const user = exchange.user ? { ...exchange.user, ...fresh, position: next++, parent_id: parent } : null;
    const assistant = {
      ...exchange.assistant,
      ...fresh,
      position: next,
      parent_id: user ? user.id : parent,
    };
    return { user, assistant, titled: user?.position === 0 && hasTitle };
  }

  /** SQLite: a transaction (in-process, so its statements cost no round trips). */
  #insertExchangeInTransaction(
    exchange: NewExchange,
    now: number,
  ): Promise<StoredExchange | ExchangeRefusal> {
    const conversationId = exchange.assistant.conversation_id;
    const replaces = exchange.replaces;
    return this.#db.transaction().execute(async (trx) => {
      // One query for the facts: is an answer streaming, the last position, the last replacement.
      const state = await trx
        .selectFrom("messages")
        .select((eb) => [
          eb.fn.max("position").as("max"),
          eb.fn.max("replaced_at").as("lastReplaced"),
          eb.fn.count<number | string>("id").filterWhere("status", "=", "streaming").as("streaming"),
        ])
        .where("conversation_id", "=", conversationId)
        .executeTakeFirst();
      if (Number(state?.streaming ?? 0) > 0) return "streaming";
      let parent: string | null;
      if (replaces) {
        const target = await trx
          .selectFrom("messages")
          .select("replaced_at")
          .where("id", "=", replaces.id)
          .executeTakeFirst();
        if (!target || target.replaced_at !== null) return "changed";
        await trx
          .updateTable("messages")
          .set({ replaced_at: Math.max(now, (state?.lastReplaced ?? 0) + 1) })
          .where("conversation_id", "=", conversationId)
          .where("position", ">=", replaces.position)
          .where("replaced_at", "is", null)
          .execute();
        parent = replaces.parent_id;
      } else {
        const tip = await trx
          .selectFrom("messages")
          .select("id")
          .where("conversation_id", "=", conversationId)
          .where("replaced_at", "is", null)
          .orderBy("position", "desc")
          .limit(1)
          .executeTakeFirst();
        parent = tip?.id ?? null;
      }
      const stored = this.#stored(exchange, state?.max ?? -1, parent, exchange.titleIfFirst !== undefined);
      const { user, assistant, titled } = stored;
      await trx
        .insertInto("messages")
        // New messages carry no usage or sources yet.
        .values([...(user ? [user] : []), assistant].map((m) => ({ ...m, usage: null, sources: null })))
        .execute();
      await trx
        .updateTable("conversations")
        .set((eb) => ({
          updated_at: now,
          path_version: eb("path_version", "+", 1),
          ...(titled ? { title: exchange.titleIfFirst } : {}),
        }))
        .where("id", "=", conversationId)
        .execute();
      return stored;
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
