import { sql, type Kysely } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { KnowledgeTables as Tables } from "./knowledge.tables.ts";

/** A queued or processing document nothing has touched for a while. */
export interface StrandedDocument {
  id: string;
  knowledge_base_id: string;
  status: string;
  sweeps: number;
  chunk_count: number;
  updated_at: number;
}

/**
 * The SQL of the stranded-document sweep. Every change is conditional on the row being as the
 * sweeper saw it (status and `updated_at`), so that two sweeping workers, or a worker that
 * finishes the document meanwhile, never both act on it.
 */
export class KnowledgeSweepRepository {
  readonly #db: Kysely<Tables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<Tables>(database.db);
  }

  /** Queued or processing documents not updated since `before`, oldest first. */
  stranded(before: number, limit: number): Promise<StrandedDocument[]> {
    return this.#db
      .selectFrom("knowledge_documents")
      .select(["id", "knowledge_base_id", "status", "sweeps", "chunk_count", "updated_at"])
      .where("status", "in", ["queued", "processing"])
      .where("updated_at", "<", before)
      .orderBy("updated_at")
      .limit(limit)
      .execute();
  }

  /**
   * Puts a stranded document back in the queue if it is still as seen; a processing one counts
   * one more sweep. @returns whether this call did it.
   */
  async requeueStranded(document: StrandedDocument, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("knowledge_documents")
      .set({
        status: "queued",
        updated_at: now,
        ...(document.status === "processing" ? { sweeps: sql<number>`sweeps + 1` } : {}),
      })
      .where("id", "=", document.id)
      .where("status", "=", document.status)
      .where("updated_at", "=", document.updated_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Fails a stranded document with `reason` if it is still as seen. @returns whether this call did it. */
  async failStranded(document: StrandedDocument, reason: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("knowledge_documents")
      .set({ status: "failed", error: reason, updated_at: now })
      .where("id", "=", document.id)
      .where("status", "=", document.status)
      .where("updated_at", "=", document.updated_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Queues a document again at a person's request, with a clean slate (no error, no sweeps). */
  async requeue(documentId: string, now: number): Promise<void> {
    await this.#db
      .updateTable("knowledge_documents")
      .set({ status: "queued", error: null, sweeps: 0, updated_at: now })
      .where("id", "=", documentId)
      .execute();
  }
}
