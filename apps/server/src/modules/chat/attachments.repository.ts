import type { Kysely, Selectable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ChatAttachmentsTable, ChatTables } from "./chat.tables.ts";

export type AttachmentRow = Selectable<ChatAttachmentsTable>;

/** All SQL of chat attachments. */
export class AttachmentsRepository {
  readonly #db: Kysely<ChatTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<ChatTables>(database.db);
  }

  async insert(rows: AttachmentRow[]): Promise<void> {
    if (rows.length) await this.#db.insertInto("chat_attachments").values(rows).execute();
  }

  find(id: string): Promise<AttachmentRow | undefined> {
    return this.#db.selectFrom("chat_attachments").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * Claims `ids` for a message about to be stored: only files `userId` uploaded and nobody sent.
   * Each file is claimed once, however many sends race for it.
   * @returns the claimed rows; fewer than asked when some were not free (then none is claimed).
   */
  async claim(
    ids: readonly string[],
    claim: { userId: string; conversationId: string; messageId: string },
  ): Promise<AttachmentRow[]> {
    if (ids.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable("chat_attachments")
        .set({ message_id: claim.messageId, conversation_id: claim.conversationId })
        .where("id", "in", ids)
        .where("user_id", "=", claim.userId)
        .where("message_id", "is", null)
        .returningAll()
        .execute();
      if (claimed.length !== new Set(ids).size) {
        await trx
          .updateTable("chat_attachments")
          .set({ message_id: null, conversation_id: null })
          .where("message_id", "=", claim.messageId)
          .execute();
        return [];
      }
      return claimed;
    });
  }

  /** Frees the files claimed for a message that was not stored after all (its copies go). */
  async release(messageId: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom("chat_attachments")
        .where("message_id", "=", messageId)
        .where("copy_of", "is not", null)
        .execute();
      await trx
        .updateTable("chat_attachments")
        .set({ message_id: null, conversation_id: null })
        .where("message_id", "=", messageId)
        .execute();
    });
  }

  /**
   * Gives `to` copies of the files of message `from` (an edit keeps the edited message's files),
   * sharing their bytes.
   */
  async copy(
    from: string,
    to: { messageId: string; conversationId: string },
    ids: () => string,
  ): Promise<void> {
    const rows = await this.ofMessages([from]);
    if (rows.length === 0) return;
    await this.#db
      .insertInto("chat_attachments")
      .values(
        rows.map((r) => ({
          ...r,
          id: ids(),
          message_id: to.messageId,
          conversation_id: to.conversationId,
          copy_of: r.copy_of ?? r.id,
        })),
      )
      .execute();
  }

  /** The files of these messages, in upload order. */
  async ofMessages(messageIds: readonly string[]): Promise<AttachmentRow[]> {
    if (messageIds.length === 0) return [];
    return this.#db
      .selectFrom("chat_attachments")
      .selectAll()
      .where("message_id", "in", messageIds)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  /** Blob keys of a conversation's files (to remove the bytes once its rows are gone). */
  async blobKeysOfConversation(conversationId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("chat_attachments")
      .select("blob_key")
      .where("conversation_id", "=", conversationId)
      .execute();
    return rows.map((r) => r.blob_key);
  }

  /** Which of `keys` some file row still refers to. */
  async referenced(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.#db
      .selectFrom("chat_attachments")
      .select("blob_key")
      .distinct()
      .where("blob_key", "in", keys)
      .execute();
    return new Set(rows.map((r) => r.blob_key));
  }

  /** Deletes files uploaded before `before` and never sent; returns their blob keys. */
  async deleteUnsent(before: number, limit: number): Promise<string[]> {
    const rows = await this.#db
      .deleteFrom("chat_attachments")
      .where(
        "id",
        "in",
        this.#db
          .selectFrom("chat_attachments")
          .select("id")
          .where("message_id", "is", null)
          .where("created_at", "<", before)
          .limit(limit),
      )
      // A send may have claimed one since: it stays.
      .where("message_id", "is", null)
      .returning("blob_key")
      .execute();
    return rows.map((r) => r.blob_key);
  }
}
