import type { Kysely } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import { lockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { ChatTables } from "./chat.tables.ts";

/** The advisory lock space of one message's ratings ("mf"). */
const MESSAGE_LOCK_SPACE = 0x6d66;

/** An answer's thumbs: everyone's counts and one reader's own rating. */
export interface FeedbackSummary {
  up: number;
  down: number;
  mine: "up" | "down" | null;
  myComment: string | null;
}

/** All SQL of message feedback. */
export class MessageFeedbackRepository {
  readonly #database: Pick<Database, "db" | "dialect">;
  readonly #db: Kysely<ChatTables>;
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#database = database;
    this.#db = tablesOf<ChatTables>(database.db);
  }

  /**
   * Sets `userId`'s rating of `messageId` (replacing an earlier one), or takes it back (`rating`
   * null). The ratings of one message change one at a time, so the rating answered is exactly
   * the one this change replaced, however many change at once.
   * @returns the rating it replaced, or null when there was none.
   */
  async set(row: {
    messageId: string;
    userId: string;
    rating: string | null;
    comment: string | null;
    now: number;
  }): Promise<string | null> {
    const lock = { space: MESSAGE_LOCK_SPACE, key: row.messageId };
    return lockedTransaction(this.#database, lock, async (raw) => {
      const trx = tablesOf<ChatTables>(raw);
      const mine = trx
        .selectFrom("message_feedback")
        .select("rating")
        .where("message_id", "=", row.messageId)
        .where("user_id", "=", row.userId);
      const before = (await mine.executeTakeFirst())?.rating ?? null;
      const rating = row.rating;
      if (rating === null) {
        await trx
          .deleteFrom("message_feedback")
          .where("message_id", "=", row.messageId)
          .where("user_id", "=", row.userId)
          .execute();
        return before;
      }
      await trx
        .insertInto("message_feedback")
        .values({
          message_id: row.messageId,
          user_id: row.userId,
          rating,
          comment: row.comment,
          created_at: row.now,
          updated_at: row.now,
        })
        .onConflict((oc) =>
          oc.columns(["message_id", "user_id"]).doUpdateSet({
            rating,
            comment: row.comment,
            updated_at: row.now,
          }),
        )
        .execute();
      return before;
    });
  }

  /** The feedback of each rated message among `messageIds`, seen by `userId`. */
  async summaries(messageIds: readonly string[], userId: string): Promise<Map<string, FeedbackSummary>> {
    const out = new Map<string, FeedbackSummary>();
    if (!messageIds.length) return out;
    const rows = await this.#db
      .selectFrom("message_feedback")
      .select(["message_id", "user_id", "rating", "comment"])
      .where("message_id", "in", messageIds)
      .execute();
    for (const row of rows) {
      const s = out.get(row.message_id) ?? { up: 0, down: 0, mine: null, myComment: null };
      if (row.rating === "up") s.up += 1;
      else s.down += 1;
      if (row.user_id === userId) {
        s.mine = row.rating === "up" ? "up" : "down";
        s.myComment = row.comment;
      }
      out.set(row.message_id, s);
    }
    return out;
  }
}
