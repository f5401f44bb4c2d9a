import { sql, type Kysely } from "kysely";
import type { MigrationDialect } from "../../platform/db/database.ts";
import type { KnowledgeTables } from "./knowledge.tables.ts";
import { analyze, queryWords, termFrequencies } from "./text-analysis.ts";

/** A chunk as the keyword index takes it. */
export interface IndexedChunk {
  id: string;
  text: string;
  /** Its analysed terms (`analyze(text)`). */
  terms: string[];
}

/** A chunk found by keyword, with its BM25 score (higher is better). */
export interface KeywordMatch {
  chunkId: string;
  score: number;
}

/**
 * BM25 parameters. Lucene's and FTS5's defaults; on SciFact they rank better with our analyser
 * than Anserini's k1 = 0.9, b = 0.4 (0.683 against 0.676 nDCG@10, bench/retrieval).
 */
const K1 = 1.2;
const B = 0.75;

/** Most distinct words of a query that are searched (the query itself is at most 2,000 characters). */
const MAX_QUERY_TERMS = 64;

/**
 * Keyword (BM25) ranking over a knowledge base's chunks. Writes run inside the caller's
 * transaction, so a document's chunks and their index entries appear and vanish together.
 */
export interface KeywordIndex {
  /** Indexes a document's chunks (its earlier ones were removed with `removeDocument`). */
  add(
    trx: Kysely<KnowledgeTables>,
    knowledgeBaseId: string,
    documentId: string,
    chunks: IndexedChunk[],
  ): Promise<void>;
  /** Forgets a document's chunks; call before deleting them. */
  removeDocument(trx: Kysely<KnowledgeTables>, knowledgeBaseId: string, documentId: string): Promise<void>;
  /** Forgets a whole knowledge base. */
  dropBase(db: Kysely<KnowledgeTables>, knowledgeBaseId: string): Promise<void>;
  /** The best `limit` chunks of these bases for `query`. */
  search(
    db: Kysely<KnowledgeTables>,
    knowledgeBaseIds: string[],
    query: string,
    limit: number,
  ): Promise<KeywordMatch[]>;
}

/** The keyword index of a dialect: FTS5 on SQLite, BM25 over posting tables on PostgreSQL. */
export function keywordIndexFor(dialect: MigrationDialect): KeywordIndex {
  return dialect === "postgres" ? new PostgresBm25Index() : new Fts5Index();
}

/**
 * SQLite: one FTS5 table per knowledge base (`porter unicode61`), so that BM25's term statistics
 * are the base's own: neither skewed by nor telling anything about other teams' documents. The
 * query is its words without stop words, any of them: stop words match nearly every chunk, so
 * they cost time and rank nothing (on SciFact 0.687 nDCG@10 without them, 0.682 with).
 */
class Fts5Index implements KeywordIndex {
  async add(
    trx: Kysely<KnowledgeTables>,
    knowledgeBaseId: string,
    documentId: string,
    chunks: IndexedChunk[],
  ) {
    const table = sql.table(ftsTable(knowledgeBaseId));
    await sql`create virtual table if not exists ${table} using fts5(
      chunk_id unindexed, body,
      tokenize = 'porter unicode61 remove_diacritics 2')`.execute(trx);
    // Rowids chosen here and kept on the chunk, so that removing a document deletes by key
    // instead of scanning the table (SQLite has one writer: the last rowid + 1 does not race).
    const { rows } = await sql<{ last: number | null }>`select max(rowid) as last from ${table}`.execute(trx);
    let rowid = rows[0]?.last ?? 0;
    for (const chunk of chunks) {
      rowid += 1;
      await sql`insert into ${table} (rowid, chunk_id, body) values (${rowid}, ${chunk.id}, ${chunk.text})`.execute(
        trx,
      );
      await trx
        .updateTable("knowledge_chunks")
        .set({ index_rowid: rowid })
        .where("id", "=", chunk.id)
        .execute();
    }
  }

  async removeDocument(trx: Kysely<KnowledgeTables>, knowledgeBaseId: string, documentId: string) {
    const indexed = await trx
      .selectFrom("knowledge_chunks")
      .select("index_rowid")
      .where("document_id", "=", documentId)
      .where("index_rowid", "is not", null)
      .execute();
    if (!indexed.length || !(await this.#exists(trx, knowledgeBaseId))) return;
    const table = sql.table(ftsTable(knowledgeBaseId));
    for (const { index_rowid } of indexed) {
      await sql`delete from ${table} where rowid = ${index_rowid}`.execute(trx);
    }
  }

  async dropBase(db: Kysely<KnowledgeTables>, knowledgeBaseId: string) {
    await sql`drop table if exists ${sql.table(ftsTable(knowledgeBaseId))}`.execute(db);
  }

  async search(db: Kysely<KnowledgeTables>, knowledgeBaseIds: string[], query: string, limit: number) {
    const terms = queryWords(query).slice(0, MAX_QUERY_TERMS);
    if (!terms.length) return [];
    // Any of the words, each quoted so that FTS5 reads none as an operator.
    const match = terms.map((t) => `"${t}"`).join(" OR ");
    const found: KeywordMatch[] = [];
    for (const id of knowledgeBaseIds) {
      if (!(await this.#exists(db, id))) continue;
      const table = sql.table(ftsTable(id));
      const { rows } = await sql<{ chunk_id: string; score: number }>`
        select chunk_id, -bm25(${table}) as score from ${table}
        where ${table} match ${match} order by rank limit ${limit}`.execute(db);
      for (const row of rows) found.push({ chunkId: row.chunk_id, score: row.score });
    }
    return found.sort((a, b) => b.score - a.score).slice(0, limit);
  }

  async #exists(db: Kysely<KnowledgeTables>, knowledgeBaseId: string): Promise<boolean> {
    const { rows } = await sql`select 1 from sqlite_master where type = 'table' and name = ${ftsTable(
      knowledgeBaseId,
    )}`.execute(db);
    return rows.length > 0;
  }
}

/** The FTS5 table of a knowledge base (its id is a UUID: letters, digits and dashes). */
function ftsTable(knowledgeBaseId: string): string {
  const safe = knowledgeBaseId.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (!safe) throw new Error(`knowledge base id without letters or digits: ${knowledgeBaseId}`);
  return `knowledge_fts_${safe}`;
}

/**
 * PostgreSQL: BM25 computed in SQL from `knowledge_postings` and the base's totals, with the
 * same analyser as the index (stop words out, Porter stems), `idf = ln(1 + (N - df + .5) / (df + .5))`
 * as Lucene has it.
 */
class PostgresBm25Index implements KeywordIndex {
  async add(
    trx: Kysely<KnowledgeTables>,
    knowledgeBaseId: string,
    _documentId: string,
    chunks: IndexedChunk[],
  ) {
    const rows: { knowledge_base_id: string; term: string; chunk_id: string; tf: number; dl: number }[] = [];
    for (const chunk of chunks) {
      for (const [term, tf] of termFrequencies(chunk.terms)) {
        rows.push({
          knowledge_base_id: knowledgeBaseId,
          term,
          chunk_id: chunk.id,
          tf,
          dl: chunk.terms.length,
        });
      }
    }
    // 5 parameters a row: 2,000 rows stay well under PostgreSQL's 65,535 parameters.
    for (let i = 0; i < rows.length; i += 2000) {
      await trx
        .insertInto("knowledge_postings")
        .values(rows.slice(i, i + 2000))
        .execute();
    }
  }

  async removeDocument() {
    // The postings go with their chunks (on delete cascade).
  }

  async dropBase() {
    // The postings go with their chunks (on delete cascade).
  }

  async search(db: Kysely<KnowledgeTables>, knowledgeBaseIds: string[], query: string, limit: number) {
    const counts = termFrequencies(analyze(query));
    const terms = [...counts.keys()].slice(0, MAX_QUERY_TERMS);
    if (!terms.length || !knowledgeBaseIds.length) return [];
    const weights = terms.map((t) => counts.get(t) ?? 1);
    const { rows } = await sql<{ chunk_id: string; score: number }>`
      with q (term, qtf) as (select * from unnest(${terms}::text[], ${weights}::int[])),
      kb as (
        select id, greatest(indexed_chunks, 1)::float8 as n,
          greatest(indexed_terms::float8 / greatest(indexed_chunks, 1), 1) as avgdl
        from knowledge_bases where id = any(${knowledgeBaseIds}::text[])
      ),
      p as (
        select knowledge_base_id, term, chunk_id, tf, dl,
          count(*) over (partition by knowledge_base_id, term) as df
        from knowledge_postings
        where knowledge_base_id = any(${knowledgeBaseIds}::text[]) and term = any(${terms}::text[])
      )
      select p.chunk_id,
        sum(q.qtf * ln(1 + (kb.n - p.df + 0.5) / (p.df + 0.5))
          * p.tf * ${sql.lit(K1 + 1)} / (p.tf + ${sql.lit(K1)} * (${sql.lit(1 - B)} + ${sql.lit(B)} * p.dl / kb.avgdl)))::float8 as score
      from p join q on q.term = p.term join kb on kb.id = p.knowledge_base_id
      group by p.chunk_id
      order by score desc, p.chunk_id
      limit ${limit}`.execute(db);
    return rows.map((r) => ({ chunkId: r.chunk_id, score: r.score }));
  }
}
