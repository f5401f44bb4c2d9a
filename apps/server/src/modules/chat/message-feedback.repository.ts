import type { Kysely } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ChatTables } from "./chat.tables.ts";

/** An answer's thumbs: everyone's counts and one reader's own rating. */
export interface FeedbackSummary {
  up: number;
  down: number;
  mine: "up" | "down" | null;
  myComment: string | null;
}

/** All SQL of message feedback. */
export class MessageFeedbackRepository {
  readonly #db: Kysely<ChatTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<ChatTables>(database.db);
  }

  /** Sets `userId`'s rating of `messageId` (replacing an earlier one). */
  async set(row: { messageId: string; userId: string; rating: string; comment: string | null; now: number }) {
    await this.#db
      .insertInto("message_feedback")
      .values({
        message_id: row.messageId,
        user_id: row.userId,
        rating: row.rating,
        comment: row.comment,
        created_at: row.now,
        updated_at: row.now,
      })
      .onConflict((oc) =>
        oc.columns(["message_id", "user_id"]).doUpdateSet({
          rating: row.rating,
          comment: row.comment,
          updated_at: row.now,
        }),
      )
      .execute();
  }

  async clear(messageId: string, userId: string): Promise<void> {
    await this.#db
      .deleteFrom("message_feedback")
      .where("message_id", "=", messageId)
      .where("user_id", "=", userId)
      .execute();
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
