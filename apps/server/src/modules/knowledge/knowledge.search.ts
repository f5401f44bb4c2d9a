import type { SearchHit, SearchMode } from "@parley/contracts";
import type { Kysely } from "kysely";
import { fromJson } from "../../db/json.ts";
import type { KeywordIndex, KeywordMatch } from "./keyword-index.ts";
import type { KnowledgeTables } from "./knowledge.tables.ts";

/** A search over some knowledge bases, already cleared for the asker. */
export interface SearchRequest {
  knowledgeBaseIds: string[];
  query: string;
  limit: number;
  mode?: SearchMode;
}

export interface SearchOutcome {
  mode: SearchMode;
  hits: SearchHit[];
  tookMs: number;
}

/**
 * Finds the passages of knowledge bases that answer a query. No access check: callers (the
 * search route, the retrieval stage) pass only bases the asker may read.
 */
export class KnowledgeSearch {
  readonly #db: Kysely<KnowledgeTables>;
  readonly #keyword: KeywordIndex;
  constructor(deps: { db: Kysely<KnowledgeTables>; keyword: KeywordIndex }) {
    this.#db = deps.db;
    this.#keyword = deps.keyword;
  }

  async search(request: SearchRequest): Promise<SearchOutcome> {
    const started = performance.now();
    const ids = [...new Set(request.knowledgeBaseIds)];
    const matches = ids.length ? await this.#keyword.search(this.#db, ids, request.query, request.limit) : [];
    const hits = await this.#hits(matches);
    return { mode: "keyword", hits, tookMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  /** The chunks behind the matches, in the matches' order, with their documents' names. */
  async #hits(matches: KeywordMatch[]): Promise<SearchHit[]> {
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
