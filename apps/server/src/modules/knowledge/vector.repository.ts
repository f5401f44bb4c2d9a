import { sql, type Kysely } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { KnowledgeTables as Tables } from "./knowledge.tables.ts";
import type { PassageVector, VectorIndex, VectorMatch, VectorQuery } from "./vector-index.ts";

/** A passage to embed. */
export interface PendingPassage {
  id: string;
  documentId: string;
  text: string;
}

/** A base's embedding models: the one wanted, and the one searches use. */
export interface BaseEmbedding {
  id: string;
  ownerId: string;
  teamId: string | null;
  model: string | null;
  activeModel: string | null;
}

/**
 * The SQL of knowledge bases' vectors that is the same in both dialects: which passages still
 * need a vector, switching a base to a complete set, and what a document lacks. Storing and
 * ranking differ by dialect and live in the {@link VectorIndex}.
 */
export class VectorRepository {
  readonly #db: Kysely<Tables>;
  readonly #index: VectorIndex;
  constructor(database: Pick<Database, "db">, index: VectorIndex) {
    this.#db = tablesOf<Tables>(database.db);
    this.#index = index;
  }

  get ranking() {
    return this.#index.ranking;
  }

  async base(id: string): Promise<BaseEmbedding | undefined> {
    const row = await this.#db
      .selectFrom("knowledge_bases")
      .select(["id", "owner_id", "team_id", "embedding_model", "active_embedding_model"])
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toBaseEmbedding(row);
  }

  async bases(ids: readonly string[]): Promise<BaseEmbedding[]> {
    if (!ids.length) return [];
    const rows = await this.#db
      .selectFrom("knowledge_bases")
      .select(["id", "owner_id", "team_id", "embedding_model", "active_embedding_model"])
      .where("id", "in", ids)
      .execute();
    return rows.map(toBaseEmbedding);
  }

  /**
   * Passages of the base (or of one document) without a vector from `model`, by id after
   * `after`: a cursor, so that a passage that cannot be embedded is not asked for forever.
   */
  pending(
    knowledgeBaseId: string,
    model: string,
    options: { documentId?: string; after?: string; limit: number },
  ): Promise<PendingPassage[]> {
    let query = this.#db
      .selectFrom("knowledge_chunks as c")
      .select(["c.id", "c.document_id as documentId", "c.text"])
      .where("c.knowledge_base_id", "=", knowledgeBaseId)
      .where(lacksVector(model))
      .orderBy("c.id")
      .limit(options.limit);
    if (options.documentId) query = query.where("c.document_id", "=", options.documentId);
    if (options.after) query = query.where("c.id", ">", options.after);
    return query.execute();
  }

  /** The documents of the base with at least one passage lacking a vector from `model`. */
  async documentsPending(knowledgeBaseId: string, model: string): Promise<Set<string>> {
    const rows = await this.#db
      .selectFrom("knowledge_chunks as c")
      .select("c.document_id")
      .distinct()
      .where("c.knowledge_base_id", "=", knowledgeBaseId)
      .where(lacksVector(model))
      .execute();
    return new Set(rows.map((r) => r.document_id));
  }

  /**
   * Stores vectors of the passages that still hold the text they were computed from: a passage
   * deleted or re-indexed with other words while its vector was computed gets none (it is
   * pending again, and embedded by whoever indexed it).
   */
  async store(vectors: readonly (PassageVector & { text: string })[]): Promise<void> {
    if (!vectors.length) return;
    await this.#db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom("knowledge_chunks")
        .select(["id", "text"])
        .where(
          "id",
          "in",
          vectors.map((v) => v.chunkId),
        )
        .execute();
      const texts = new Map(current.map((c) => [c.id, c.text]));
      await this.#index.store(
        trx,
        vectors.filter((v) => texts.get(v.chunkId) === v.text),
      );
    });
  }

  search(query: VectorQuery): Promise<VectorMatch[]> {
    return this.#index.search(this.#db, query);
  }

  /**
   * Sets the base's wanted model. Vectors of models that are neither wanted nor serving go (a
   * model abandoned halfway); without a model, searches stop using vectors and all of them go.
   */
  async setModel(knowledgeBaseId: string, model: string | null, now: number): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const changes = model === null ? { active_embedding_model: null } : {};
      await trx
        .updateTable("knowledge_bases")
        .set({ embedding_model: model, updated_at: now, ...changes })
        .where("id", "=", knowledgeBaseId)
        .execute();
      await this.#dropUnused(trx, knowledgeBaseId);
    });
  }

  /**
   * Lets searches use `model` once every passage of the base has a vector from it (at once for
   * a base without passages), if it is still the wanted model; then drops the previous model's
   * vectors. One transaction: a search sees the old set or the new one, never a mix.
   * @returns true when `model` serves the base's searches now.
   */
  async activateIfComplete(knowledgeBaseId: string, model: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const base = await trx
        .selectFrom("knowledge_bases")
        .select(["embedding_model", "active_embedding_model"])
        .where("id", "=", knowledgeBaseId)
        .executeTakeFirst();
      if (base?.embedding_model !== model) return false;
      if (base.active_embedding_model === model) return true;
      const missing = await trx
        .selectFrom("knowledge_chunks as c")
        .select("c.id")
        .where("c.knowledge_base_id", "=", knowledgeBaseId)
        .where(lacksVector(model))
        .limit(1)
        .executeTakeFirst();
      if (missing) return false;
      await trx
        .updateTable("knowledge_bases")
        .set({ active_embedding_model: model })
        .where("id", "=", knowledgeBaseId)
        .where("embedding_model", "=", model)
        .execute();
      await this.#dropUnused(trx, knowledgeBaseId);
      return true;
    });
  }

  /**
   * Records why a ready document's vectors are missing (null: they are complete), leaving its
   * status alone: it is searched by keyword meanwhile.
   */
  /**
   * Records why the document's passages could not be embedded with `model`, only while some of
   * them still lack a vector from it (one statement): a failed attempt that ends after another
   * one embedded them all (a job delivered again while the first still ran, a base re-embedded)
   * does not mark an embedded document as failing.
   */
  async setVectorFailure(documentId: string, model: string, error: string, now: number): Promise<void> {
    await this.#db
      .updateTable("knowledge_documents")
      .set({ error, updated_at: now })
      .where("id", "=", documentId)
      .where("status", "=", "ready")
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("knowledge_chunks as c")
            .select(sql<number>`1`.as("one"))
            .where("c.document_id", "=", documentId)
            .where(lacksVector(model)),
        ),
      )
      .execute();
  }

  async setVectorError(documentId: string, error: string | null, now: number): Promise<void> {
    await this.#db
      .updateTable("knowledge_documents")
      .set({ error, updated_at: now })
      .where("id", "=", documentId)
      .where("status", "=", "ready")
      .execute();
  }

  /** Deletes the base's vectors of models it neither wants nor serves searches with. */
  async #dropUnused(trx: Kysely<Tables>, knowledgeBaseId: string): Promise<void> {
    const base = await trx
      .selectFrom("knowledge_bases")
      .select(["embedding_model", "active_embedding_model"])
      .where("id", "=", knowledgeBaseId)
      .executeTakeFirst();
    const keep = [base?.embedding_model, base?.active_embedding_model].filter(
      (m): m is string => typeof m === "string",
    );
    let query = trx.deleteFrom("knowledge_vectors").where("knowledge_base_id", "=", knowledgeBaseId);
    if (keep.length) query = query.where("model", "not in", keep);
    await query.execute();
  }
}

/** The passage `c` has no vector from `model`. */
function lacksVector(model: string) {
  return sql<boolean>`not exists (select 1 from knowledge_vectors v where v.chunk_id = c.id and v.model = ${model})`;
}

function toBaseEmbedding(row: {
  id: string;
  owner_id: string;
  team_id: string | null;
  embedding_model: string | null;
  active_embedding_model: string | null;
}): BaseEmbedding {
  return {
    id: row.id,
    ownerId: row.owner_id,
    teamId: row.team_id,
    model: row.embedding_model,
    activeModel: row.active_embedding_model,
  };
}
