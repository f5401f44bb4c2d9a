import type { SearchHit, SearchMode } from "@parley/contracts";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { fromJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { PassageEmbedder } from "./embeddings.ts";
import type { KeywordIndex } from "./keyword-index.ts";
import type { KnowledgeTables } from "./knowledge.tables.ts";
import { fuseByRank, type Ranked } from "./rank-fusion.ts";
import type { BaseEmbedding, VectorRepository } from "./vector.repository.ts";

/** A search over some knowledge bases, already cleared for the asker. */
export interface SearchRequest {
  knowledgeBaseIds: string[];
  query: string;
  limit: number;
  /** Default: hybrid when a base has an embedding model, keyword otherwise. */
  mode?: SearchMode;
  /**
   * Who asks: vector and hybrid modes embed the query on their behalf (authorized, metered,
   * audited and rate-limited like any AI call, to the searched base's team). Without it, or when
   * the asker may not use AI there, the search answers in keyword mode.
   */
  context?: RequestContext;
}

/** Candidates each ranking contributes to a hybrid search (at least the request's limit). */
const FUSION_DEPTH = 50;

/** What vector and hybrid modes need; without it a search is keyword only. */
export interface VectorSearchDeps {
  vectors: VectorRepository;
  embedder: PassageEmbedder;
  logger: Logger;
}

export interface SearchOutcome {
  mode: SearchMode;
  hits: SearchHit[];
  tookMs: number;
}

/**
 * Finds the passages of knowledge bases that answer a query: by keyword (BM25), by vector (cosine
 * to the query's embedding, with each base's active embedding model), or both fused by reciprocal
 * rank. No access check: callers (the search route, the retrieval stage) pass only bases the
 * asker may read.
 */
export class KnowledgeSearch {
  readonly #db: Kysely<KnowledgeTables>;
  readonly #keyword: KeywordIndex;
  readonly #vector: VectorSearchDeps | null;
  constructor(deps: { db: Kysely<KnowledgeTables>; keyword: KeywordIndex; vector?: VectorSearchDeps }) {
    this.#db = deps.db;
    this.#keyword = deps.keyword;
    this.#vector = deps.vector ?? null;
  }

  /**
   * Searches in the mode asked for, or the default one. The outcome's `mode` is the one that ran:
   * keyword when vectors cannot answer (no base has a complete set, the query could not be
   * embedded, or the database does not rank vectors).
   */
  async search(request: SearchRequest): Promise<SearchOutcome> {
    const started = performance.now();
    const ids = [...new Set(request.knowledgeBaseIds)];
    // Keyword mode needs nothing of the bases: not even one more query.
    const bases =
      this.#vector && ids.length && request.mode !== "keyword" ? await this.#vector.vectors.bases(ids) : [];
    const wanted = request.mode ?? (bases.some((b) => b.model !== null) ? "hybrid" : "keyword");
    const depth = wanted === "hybrid" ? Math.max(request.limit, FUSION_DEPTH) : request.limit;
    const vectorLists = wanted === "keyword" ? null : await this.#byVector(bases, request, depth);
    const mode: SearchMode = vectorLists === null ? "keyword" : wanted;
    let ranked: Ranked[];
    if (mode === "vector" && vectorLists) {
      ranked = vectorLists.length === 1 ? (vectorLists[0] ?? []) : fuseByRank(vectorLists);
    } else {
      const keyword = ids.length ? await this.#keyword.search(this.#db, ids, request.query, depth) : [];
      ranked = mode === "hybrid" && vectorLists ? fuseByRank([keyword, ...vectorLists]) : keyword;
    }
    const hits = await this.#hits(ranked.slice(0, request.limit));
    return { mode, hits, tookMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  /**
   * One ranking per embedding model the bases search with (normally one), or null when vectors
   * cannot answer at all.
   */
  async #byVector(bases: BaseEmbedding[], request: SearchRequest, depth: number): Promise<Ranked[][] | null> {
    const vector = this.#vector;
    const ctx = request.context;
    if (!vector || vector.vectors.ranking === "none" || !ctx?.principal) return null;
    const byModel = new Map<string, BaseEmbedding[]>();
    for (const base of bases) {
      if (base.activeModel) byModel.set(base.activeModel, [...(byModel.get(base.activeModel) ?? []), base]);
    }
    const lists: Ranked[][] = [];
    for (const [model, group] of byModel) {
      let query: number[];
      try {
        query = await vector.embedder.query(model, request.query, ctx, group[0]?.teamId ?? null);
      } catch (error) {
        // A governance rule refused the query: the search says so rather than answer without it.
        if (error instanceof AppError && error.code.startsWith("governance.")) throw error;
        // Refused (no AI for this asker, a rate limit) or failed: the words still answer. A
        // refusal is routine (every viewer's search); anything else is worth a warning.
        const routine = error instanceof AppError && error.code.startsWith("auth.");
        vector.logger[routine ? "debug" : "warn"](
          { err: error, model },
          "could not embed a search query; searching by keyword",
        );
        continue;
      }
      lists.push(
        await vector.vectors.search({
          knowledgeBaseIds: group.map((b) => b.id),
          model,
          vector: query,
          limit: depth,
        }),
      );
    }
    return lists.length ? lists : null;
  }

  /** The chunks behind the matches, in the matches' order, with their documents' names. */
  async #hits(matches: Ranked[]): Promise<SearchHit[]> {
    if (!matches.length) return [];
    const rows = await this.#db
      .selectFrom("knowledge_chunks as c")
      .innerJoin("knowledge_documents as d", "d.id", "c.document_id")
      .select([
        "c.id",
        "c.document_id",
        "c.knowledge_base_id",
        "c.heading_path",
        "c.start_offset",
        "c.end_offset",
        "c.text",
        "d.name",
      ])
      .where(
        "c.id",
        "in",
        matches.map((m) => m.chunkId),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const hits: SearchHit[] = [];
    for (const match of matches) {
      const row = byId.get(match.chunkId);
      // Deleted between ranking and reading: not a hit any more.
      if (!row) continue;
      hits.push({
        chunkId: row.id,
        documentId: row.document_id,
        documentName: row.name,
        knowledgeBaseId: row.knowledge_base_id,
        headingPath: fromJson(row.heading_path) as string[],
        start: row.start_offset,
        end: row.end_offset,
        text: row.text,
        score: match.score,
      });
    }
    return hits;
  }
}
