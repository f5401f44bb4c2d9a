import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from "kysely";
import { toJson } from "../../db/json.ts";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { Chunk } from "./chunking.ts";
import type { KeywordIndex } from "./keyword-index.ts";
import { analyze } from "./text-analysis.ts";
import type {
  KnowledgeBasesTable,
  KnowledgeDocumentsTable,
  KnowledgeTables as Tables,
} from "./knowledge.tables.ts";

/** The status of a document whose file is still arriving: never listed, counted or ingested. */
export const UPLOADING = "uploading";

export type KnowledgeBaseRow = Selectable<KnowledgeBasesTable> & { document_count: number };
export type DocumentRow = Omit<Selectable<KnowledgeDocumentsTable>, "content" | "sweeps">;

const DOCUMENT_COLUMNS = [
  "id",
  "knowledge_base_id",
  "name",
  "media_type",
  "size_bytes",
  "sha256",
  "blob_key",
  "status",
  "error",
  "chunk_count",
  "created_at",
  "updated_at",
] as const;

/** All SQL of knowledge bases, documents and chunks. */
export class KnowledgeRepository {
  readonly #db: Kysely<Tables>;
  readonly #keyword: KeywordIndex;
  constructor(database: Pick<Database, "db">, keyword: KeywordIndex) {
    this.#db = tablesOf<Tables>(database.db);
    this.#keyword = keyword;
  }

  /** The database, for the search service's queries. */
  get db(): Kysely<Tables> {
    return this.#db;
  }

  async insertBase(row: Insertable<KnowledgeBasesTable>): Promise<void> {
    await this.#db.insertInto("knowledge_bases").values(row).execute();
  }

  #bases() {
    return this.#db
      .selectFrom("knowledge_bases as kb")
      .selectAll("kb")
      .select((eb) =>
        eb
          .selectFrom("knowledge_documents as d")
          .select(sql<number>`count(*)`.as("n"))
          .whereRef("d.knowledge_base_id", "=", "kb.id")
          .where("d.status", "!=", UPLOADING)
          .as("document_count"),
      );
  }

  async findBase(id: string): Promise<KnowledgeBaseRow | undefined> {
    const row = await this.#bases().where("kb.id", "=", id).executeTakeFirst();
    return row ? { ...row, document_count: Number(row.document_count) } : undefined;
  }

  /** The bases of these teams and the owner's personal ones, by name, after `after`. */
  async listBases(options: {
    ownerId: string | null;
    teamIds: string[];
    teamId?: string;
    after?: { name: string; id: string };
    limit: number;
  }): Promise<KnowledgeBaseRow[]> {
    let query = this.#bases()
      .orderBy("kb.name")
      .orderBy("kb.id")
      .limit(options.limit)
      .where((eb) =>
        eb.or([
          ...(options.ownerId !== null
            ? [eb.and([eb("kb.owner_id", "=", options.ownerId), eb("kb.team_id", "is", null)])]
            : []),
          ...(options.teamIds.length ? [eb("kb.team_id", "in", options.teamIds)] : []),
          sql<boolean>`1 = 0`,
        ]),
      );
    if (options.teamId) query = query.where("kb.team_id", "=", options.teamId);
    if (options.after) {
      const { name, id } = options.after;
      query = query.where((eb) =>
        eb.or([eb("kb.name", ">", name), eb.and([eb("kb.name", "=", name), eb("kb.id", ">", id)])]),
      );
    }
    const rows = await query.execute();
    return rows.map((r) => ({ ...r, document_count: Number(r.document_count) }));
  }

  async updateBase(id: string, changes: Updateable<KnowledgeBasesTable>): Promise<void> {
    await this.#db.updateTable("knowledge_bases").set(changes).where("id", "=", id).execute();
  }

  async deleteBase(id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom("knowledge_bases").where("id", "=", id).execute();
      await this.#keyword.dropBase(trx, id);
    });
  }

  async insertDocument(row: Insertable<KnowledgeDocumentsTable>): Promise<void> {
    await this.#db.insertInto("knowledge_documents").values(row).execute();
  }

  findDocument(id: string): Promise<DocumentRow | undefined> {
    return this.#db
      .selectFrom("knowledge_documents")
      .select(DOCUMENT_COLUMNS)
      .where("id", "=", id)
      .executeTakeFirst();
  }

  /** A document's parsed text (null until it is parsed). */
  async documentContent(id: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom("knowledge_documents")
      .select("content")
      .where("id", "=", id)
      .executeTakeFirst();
    return row?.content ?? null;
  }

  findByHash(knowledgeBaseId: string, sha256: string): Promise<DocumentRow | undefined> {
    return this.#db
      .selectFrom("knowledge_documents")
      .select(DOCUMENT_COLUMNS)
      .where("knowledge_base_id", "=", knowledgeBaseId)
      .where("sha256", "=", sha256)
      .executeTakeFirst();
  }

  documents(knowledgeBaseId: string): Promise<DocumentRow[]> {
    return this.#db
      .selectFrom("knowledge_documents")
      .select(DOCUMENT_COLUMNS)
      .where("knowledge_base_id", "=", knowledgeBaseId)
      .where("status", "!=", UPLOADING)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .execute();
  }

  /** Blob keys of a base's documents (to remove the files with it). */
  async blobKeys(knowledgeBaseId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom("knowledge_documents")
      .select("blob_key")
      .where("knowledge_base_id", "=", knowledgeBaseId)
      .execute();
    return rows.map((r) => r.blob_key);
  }

  async setStatus(
    id: string,
    status: "queued" | "processing" | "failed",
    error: string | null,
    now: number,
  ): Promise<void> {
    await this.#db
      .updateTable("knowledge_documents")
      .set({ status, error, updated_at: now })
      .where("id", "=", id)
      .execute();
  }

  /** Deletes a document with its chunks, out of the search index in the same transaction. */
  async deleteDocument(id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const document = await trx
        .selectFrom("knowledge_documents")
        .select("knowledge_base_id")
        .where("id", "=", id)
        .executeTakeFirst();
      if (!document) return;
      await this.#unindex(trx, document.knowledge_base_id, id);
      await trx.deleteFrom("knowledge_documents").where("id", "=", id).execute();
    });
  }

  /** Removes a document's chunks from the index and the base's totals, then deletes them. */
  async #unindex(trx: Kysely<Tables>, knowledgeBaseId: string, documentId: string): Promise<void> {
    await this.#keyword.removeDocument(trx, knowledgeBaseId, documentId);
    const removed = await trx
      .deleteFrom("knowledge_chunks")
      .where("document_id", "=", documentId)
      .returning("term_count")
      .execute();
    if (!removed.length) return;
    const terms = removed.reduce((sum, r) => sum + r.term_count, 0);
    await trx
      .updateTable("knowledge_bases")
      .set((eb) => ({
        indexed_chunks: eb("indexed_chunks", "-", removed.length),
        indexed_terms: eb("indexed_terms", "-", terms),
      }))
      .where("id", "=", knowledgeBaseId)
      .execute();
  }

  /**
   * Replaces the document's chunks and marks it ready, in one transaction: a document is ready
   * with all its chunks or not at all, whatever dies in between.
   */
  async storeChunks(
    documentId: string,
    knowledgeBaseId: string,
    content: string,
    chunks: Chunk[],
    now: number,
  ) {
    const analysed = chunks.map((c) => ({ ...c, id: `${documentId}:${c.ordinal}`, terms: analyze(c.text) }));
    await this.#db.transaction().execute(async (trx) => {
      await this.#unindex(trx, knowledgeBaseId, documentId);
      for (let i = 0; i < analysed.length; i += 200) {
        await trx
          .insertInto("knowledge_chunks")
          .values(
            analysed.slice(i, i + 200).map((c) => ({
              id: c.id,
              document_id: documentId,
              knowledge_base_id: knowledgeBaseId,
              ordinal: c.ordinal,
              heading_path: toJson(c.headingPath),
              start_offset: c.start,
              end_offset: c.end,
              text: c.text,
              token_count: c.tokens,
              term_count: c.terms.length,
            })),
          )
          .execute();
      }
      await this.#keyword.add(trx, knowledgeBaseId, documentId, analysed);
      await trx
        .updateTable("knowledge_bases")
        .set((eb) => ({
          indexed_chunks: eb("indexed_chunks", "+", analysed.length),
          indexed_terms: eb(
            "indexed_terms",
            "+",
            analysed.reduce((sum, c) => sum + c.terms.length, 0),
          ),
        }))
        .where("id", "=", knowledgeBaseId)
        .execute();
      await trx
        .updateTable("knowledge_documents")
        .set({ status: "ready", error: null, chunk_count: chunks.length, content, updated_at: now })
        .where("id", "=", documentId)
        .execute();
    });
  }
}
