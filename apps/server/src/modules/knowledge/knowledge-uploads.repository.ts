import { sql, type Insertable, type Kysely } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import { UPLOADING } from "./knowledge.repository.ts";
import type { KnowledgeDocumentsTable, KnowledgeTables as Tables } from "./knowledge.tables.ts";

/** Whose storage a knowledge base's documents count against: its team's, or its owner's own. */
export type StorageScope = { teamId: string } | { ownerId: string };

/** The storage scope of a knowledge base. */
export function scopeOf(base: { team_id: string | null; owner_id: string }): StorageScope {
  return base.team_id === null ? { ownerId: base.owner_id } : { teamId: base.team_id };
}

/**
 * PostgreSQL advisory locks of the storage scopes: the two-key form (this class, a hash of the
 * scope), a key space apart from the single-key locks of the audit chain and the migrator.
 */
const SCOPE_LOCK_CLASS = 0x6b62; // "kb"

/** How a claim of an uploaded file ended. */
export type ClaimOutcome = "claimed" | "over" | "gone";

/**
 * The SQL of uploads in progress. A document's row is staged (`uploading`, with a placeholder
 * hash) before its file is written, so that no file ever exists without a row pointing at it;
 * once the file is in, the row is claimed (hash and size set, under the scope's storage limit),
 * then committed (`queued`) with the other files of its upload, or discarded.
 */
export class KnowledgeUploadsRepository {
  readonly #database: Pick<Database, "dialect">;
  readonly #db: Kysely<Tables>;
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#database = database;
    this.#db = tablesOf<Tables>(database.db);
  }

  /** Stages the row of a file about to be written (status `uploading`). */
  async stage(row: Insertable<KnowledgeDocumentsTable> & { status: typeof UPLOADING }): Promise<void> {
    await this.#db.insertInto("knowledge_documents").values(row).execute();
  }

  /** Bytes of every document (staged ones included) in the scope's knowledge bases. */
  storedBytes(scope: StorageScope): Promise<number> {
    return this.#storedBytes(this.#db, scope);
  }

  /**
   * Sets the written file's hash and size on its staged row if the scope's documents stay within
   * `limitBytes` with it. Claims of one scope run one at a time (an advisory lock on PostgreSQL,
   * SQLite's write lock), so however many uploads race, the total never passes the limit.
   * @returns `over` (nothing changed), `gone` (the row was removed: its base deleted, or swept).
   * @throws a unique violation when the base already holds a document with this hash.
   */
  async claim(
    documentId: string,
    file: { sha256: string; size: number },
    scope: StorageScope,
    limitBytes: number,
    now: number,
  ): Promise<ClaimOutcome> {
    return this.#lockedTransaction(scope, async (db) => {
      if ((await this.#storedBytes(db, scope)) + file.size > limitBytes) return "over";
      const result = await db
        .updateTable("knowledge_documents")
        .set({ sha256: file.sha256, size_bytes: file.size, updated_at: now })
        .where("id", "=", documentId)
        .where("status", "=", UPLOADING)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? "claimed" : "gone";
    });
  }

  /**
   * Makes staged documents visible and ready for ingestion, all of them or none.
   * @returns false (nothing changed) when one of them is gone: its base was deleted meanwhile.
   */
  async commit(documentIds: string[], now: number): Promise<boolean> {
    if (documentIds.length === 0) return true;
    const incomplete = new Error("incomplete upload");
    try {
      await this.#db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("knowledge_documents")
          .set({ status: "queued", updated_at: now })
          .where("id", "in", documentIds)
          .where("status", "=", UPLOADING)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== documentIds.length) throw incomplete;
      });
      return true;
    } catch (error) {
      if (error === incomplete) return false;
      throw error;
    }
  }

  /** Removes a staged row (never a committed document). */
  async discard(documentId: string): Promise<void> {
    await this.#db
      .deleteFrom("knowledge_documents")
      .where("id", "=", documentId)
      .where("status", "=", UPLOADING)
      .execute();
  }

  /** Which of `keys` a document (staged or stored) still refers to. */
  async referenced(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.#db
      .selectFrom("knowledge_documents")
      .select("blob_key")
      .where("blob_key", "in", keys)
      .execute();
    return new Set(rows.map((r) => r.blob_key));
  }

  /** Staged rows untouched since `before`: uploads whose process died or gave up. */
  abandoned(before: number, limit: number): Promise<{ id: string; blob_key: string; updated_at: number }[]> {
    return this.#db
      .selectFrom("knowledge_documents")
      .select(["id", "blob_key", "updated_at"])
      .where("status", "=", UPLOADING)
      .where("updated_at", "<", before)
      .orderBy("updated_at")
      .limit(limit)
      .execute();
  }

  /** Removes an abandoned staged row unless it moved on since it was seen at `seenAt`. */
  async discardAbandoned(documentId: string, seenAt: number): Promise<boolean> {
    const result = await this.#db
      .deleteFrom("knowledge_documents")
      .where("id", "=", documentId)
      .where("status", "=", UPLOADING)
      .where("updated_at", "=", seenAt)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async #storedBytes(db: Kysely<Tables>, scope: StorageScope): Promise<number> {
    let query = db
      .selectFrom("knowledge_documents as d")
      .innerJoin("knowledge_bases as kb", "kb.id", "d.knowledge_base_id")
      // PostgreSQL sums bigints into a numeric; a bigint comes back as a number.
      .select(sql<number | string>`cast(coalesce(sum(d.size_bytes), 0) as bigint)`.as("bytes"));
    query =
      "teamId" in scope
        ? query.where("kb.team_id", "=", scope.teamId)
        : query.where("kb.owner_id", "=", scope.ownerId).where("kb.team_id", "is", null);
    const row = await query.executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  /**
   * Runs `fn` as the only claim in `scope`. PostgreSQL: a transaction holding the scope's
   * advisory lock. SQLite: `begin immediate` on the single connection (which Kysely lends to one
   * caller at a time), taking the file's write lock up front.
   */
  async #lockedTransaction<T>(scope: StorageScope, fn: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
    if (this.#database.dialect === "postgres") {
      const key = "teamId" in scope ? `team:${scope.teamId}` : `owner:${scope.ownerId}`;
      return this.#db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${sql.lit(SCOPE_LOCK_CLASS)}, hashtext(${key}))`.execute(trx);
        return fn(trx);
      });
    }
    return this.#db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }
}
