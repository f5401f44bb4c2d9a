import type { Kysely } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ChatTables as Tables } from "./chat.tables.ts";
import { pathThrough, type TreeRow } from "./message-branches.ts";

/** How a switch went: refused, or done (`changed` false when the message was current already). */
export type SelectOutcome =
  "streaming" | "not_found" | { changed: boolean; pathVersion: number; previousPath: string[] };

/** SQLite binds at most a few thousand values per statement: long lists go in slices. */
const SLICE = 500;

/** The SQL of a conversation's branches: its message tree, and switching its current path. */
export class MessageBranchesRepository {
  readonly #db: Kysely<Tables>;
  readonly #dialect: Database["dialect"];
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#db = tablesOf<Tables>(database.db);
    this.#dialect = database.dialect;
  }

  /** Every message of the conversation (on the current path or not) as a tree node, in order. */
  tree(conversationId: string): Promise<TreeRow[]> {
    return this.#db
      .selectFrom("messages")
      .select(["id", "parent_id", "position", "replaced_at"])
      .where("conversation_id", "=", conversationId)
      .orderBy("position")
      .execute();
  }

  /**
   * Makes `messageId` and the path through it (see {@link pathThrough}) the conversation's
   * current path, in one transaction that holds the conversation's row (PostgreSQL; SQLite runs
   * one transaction at a time), and bumps its `path_version` so that a send that read the old
   * path stores nothing. Refused while an answer streams.
   */
  select(conversationId: string, messageId: string, now: number): Promise<SelectOutcome> {
    return this.#db.transaction().execute(async (trx) => {
      let lock = trx.selectFrom("conversations").select("path_version").where("id", "=", conversationId);
      if (this.#dialect === "postgres") lock = lock.forUpdate();
      const conversation = await lock.executeTakeFirst();
      if (!conversation) return "not_found";
      const rows = await trx
        .selectFrom("messages")
        .select(["id", "parent_id", "position", "replaced_at", "status"])
        .where("conversation_id", "=", conversationId)
        .orderBy("position")
        .execute();
      if (rows.some((r) => r.status === "streaming")) return "streaming";
      const path = pathThrough(rows, messageId);
      if (!path) return "not_found";
      const current = rows.filter((r) => r.replaced_at === null).map((r) => r.id);
      const onPath = new Set(path);
      const leaving = current.filter((id) => !onPath.has(id));
      const joining = rows.filter((r) => onPath.has(r.id) && r.replaced_at !== null).map((r) => r.id);
      if (!leaving.length && !joining.length)
        return { changed: false, pathVersion: conversation.path_version, previousPath: current };
      // Strictly after every earlier departure, so that the latest one tells the path left last.
      const stamp = rows.reduce((at, r) => Math.max(at, (r.replaced_at ?? 0) + 1), now);
      for (let i = 0; i < leaving.length; i += SLICE) {
        await trx
          .updateTable("messages")
          .set({ replaced_at: stamp })
          .where("id", "in", leaving.slice(i, i + SLICE))
          .execute();
      }
      for (let i = 0; i < joining.length; i += SLICE) {
        await trx
          .updateTable("messages")
          .set({ replaced_at: null })
          .where("id", "in", joining.slice(i, i + SLICE))
          .execute();
      }
      await trx
        .updateTable("conversations")
        .set({ path_version: conversation.path_version + 1 })
        .where("id", "=", conversationId)
        .execute();
      return { changed: true, pathVersion: conversation.path_version + 1, previousPath: current };
    });
  }
}
