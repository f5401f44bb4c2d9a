import { sql, type Kysely } from "kysely";
import type { MigrationDialect } from "../../platform/db/database.ts";
import type { KnowledgeTables } from "./knowledge.tables.ts";
import { analyze, queryWords, stem, termFrequencies } from "./text-analysis.ts";

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

/** A base this large leaves out of a query the words more than `COMMON_SHARE` of its passages hold. */
const PRUNE_FROM_PASSAGES = 2000;
const COMMON_SHARE = 0.25;

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
    // Its terms with the number of passages holding each (to leave common words out of queries).
    await sql`create virtual table if not exists ${sql.table(`${ftsTable(knowledgeBaseId)}_terms`)}
      using fts5vocab(${table}, row)`.execute(trx);
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
    await sql`drop table if exists ${sql.table(`${ftsTable(knowledgeBaseId)}_terms`)}`.execute(db);
    await sql`drop table if exists ${sql.table(ftsTable(knowledgeBaseId))}`.execute(db);
  }

  async search(db: Kysely<KnowledgeTables>, knowledgeBaseIds: string[], query: string, limit: number) {
    const words = queryWords(query).slice(0, MAX_QUERY_TERMS);
    if (!words.length) return [];
    const found: KeywordMatch[] = [];
    for (const id of knowledgeBaseIds) {
      if (!(await this.#exists(db, id))) continue;
      const table = sql.table(ftsTable(id));
      const kept = await this.#withoutCommonWords(db, id, words);
      // Any of the words, each quoted so that FTS5 reads none as an operator.
      const match = kept.map((t) => `"${t}"`).join(" OR ");
      const { rows } = await sql<{ chunk_id: string; score: number }>`
        select chunk_id, -bm25(${table}) as score from ${table}
        where ${table} match ${match} order by rank limit ${limit}`.execute(db);
      for (const row of rows) found.push({ chunkId: row.chunk_id, score: row.score });
    }
    return found.sort((a, b) => b.score - a.score).slice(0, limit);
  }

  /**
   * The words of a query without those in more than a quarter of a large base's passages. FTS5
   * scores every passage any word matches, so such words multiply the work while adding almost
   * nothing to BM25 (their idf is near zero). At 93k passages the p95 of the SciFact claims fell
   * from 187 to 91 ms; at 5k the quality is unchanged (0.686 against 0.687 nDCG@10). Small bases
   * keep every word; a query of common words only keeps them all.
   */
  async #withoutCommonWords(db: Kysely<KnowledgeTables>, knowledgeBaseId: string, words: string[]) {
    const base = await db
      .selectFrom("knowledge_bases")
      .select("indexed_chunks")
      .where("id", "=", knowledgeBaseId)
      .executeTakeFirst();
    const passages = base?.indexed_chunks ?? 0;
    if (passages < PRUNE_FROM_PASSAGES) return words;
    const stems = words.map((w) => stem(w));
    const { rows } = await sql<{ term: string; doc: number }>`
      select term, doc from ${sql.table(`${ftsTable(knowledgeBaseId)}_terms`)}
      where term in (${sql.join(stems)})`.execute(db);
    const share = new Map(rows.map((r) => [r.term, r.doc / passages]));
    const kept = words.filter((_, i) => (share.get(stems[i] ?? "") ?? 0) <= COMMON_SHARE);
    return kept.length ? kept : words;
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
 * PostgreSQL: BM25 from `knowledge_postings` (term, chunk, tf, chunk length) and
 * `knowledge_terms` (each term's document frequency in its base, kept in the same transactions),
 * with the same analyser as the index (stop words out, Porter stems) and Lucene's
 * `idf = ln(1 + (N - df + .5) / (df + .5))`. Each query term's weight (idf × its count in the
 * query) is computed from the small frequency table first, so that the ranking query only sums
 * posting lists; terms held by more than a quarter of a large base's passages are left out, as on
 * SQLite.
 */
class PostgresBm25Index implements KeywordIndex {
  async add(
    trx: Kysely<KnowledgeTables>,
    knowledgeBaseId: string,
    _documentId: string,
    chunks: IndexedChunk[],
  ) {
    const rows: { knowledge_base_id: string; term: string; chunk_id: string; tf: number; dl: number }[] = [];
    const df = new Map<string, number>();
    for (const chunk of chunks) {
      for (const [term, tf] of termFrequencies(chunk.terms)) {
        rows.push({
          knowledge_base_id: knowledgeBaseId,
          term,
          chunk_id: chunk.id,
          tf,
          dl: chunk.terms.length,
        });
        df.set(term, (df.get(term) ?? 0) + 1);
      }
    }
    // 5 parameters a row: 2,000 rows stay well under PostgreSQL's 65,535 parameters.
    for (let i = 0; i < rows.length; i += 2000) {
      await trx
        .insertInto("knowledge_postings")
        .values(rows.slice(i, i + 2000))
        .execute();
    }
    // In term order, so that two documents indexed at once lock shared terms in the same order
    // (no deadlock), and each waits only for the other's commit.
    const counts = [...df].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < counts.length; i += 5000) {
      await trx
        .insertInto("knowledge_terms")
        .values(
          counts.slice(i, i + 5000).map(([term, n]) => ({ knowledge_base_id: knowledgeBaseId, term, df: n })),
        )
        .onConflict((oc) =>
          oc
            .columns(["knowledge_base_id", "term"])
            .doUpdateSet((eb) => ({ df: eb("knowledge_terms.df", "+", eb.ref("excluded.df")) })),
        )
        .execute();
    }
  }

  async removeDocument(trx: Kysely<KnowledgeTables>, knowledgeBaseId: string, documentId: string) {
    // The postings go with their chunks (on delete cascade); their terms' frequencies go down here.
    await sql`
      update knowledge_terms t set df = t.df - d.n
      from (
        select p.term, count(*)::int as n
        from knowledge_chunks c join knowledge_postings p on p.chunk_id = c.id
        where c.document_id = ${documentId}
        group by p.term
        order by p.term
      ) d
      where t.knowledge_base_id = ${knowledgeBaseId} and t.term = d.term`.execute(trx);
  }

  async dropBase(trx: Kysely<KnowledgeTables>, knowledgeBaseId: string) {
    // The postings go with their chunks (on delete cascade).
    await trx.deleteFrom("knowledge_terms").where("knowledge_base_id", "=", knowledgeBaseId).execute();
  }

  async search(db: Kysely<KnowledgeTables>, knowledgeBaseIds: string[], query: string, limit: number) {
    const counts = termFrequencies(analyze(query));
    const terms = [...counts.keys()].slice(0, MAX_QUERY_TERMS);
    if (!terms.length || !knowledgeBaseIds.length) return [];
    const bases = await db
      .selectFrom("knowledge_bases")
      .select(["id", "indexed_chunks", "indexed_terms"])
      .where("id", "in", knowledgeBaseIds)
      .execute();
    const frequencies = await db
      .selectFrom("knowledge_terms")
      .select(["knowledge_base_id", "term", "df"])
      .where("knowledge_base_id", "in", knowledgeBaseIds)
      .where("term", "in", terms)
      .where("df", ">", 0)
      .execute();
    const weights: { base: string; term: string; weight: number }[] = [];
    for (const base of bases) {
      const n = Math.max(base.indexed_chunks, 1);
      let own = frequencies.filter((f) => f.knowledge_base_id === base.id);
      const rare = own.filter((f) => f.df <= COMMON_SHARE * n);
      if (n >= PRUNE_FROM_PASSAGES && rare.length) own = rare;
      for (const f of own) {
        const idf = Math.log(1 + (n - f.df + 0.5) / (f.df + 0.5));
        weights.push({ base: base.id, term: f.term, weight: idf * (counts.get(f.term) ?? 1) });
      }
    }
    if (!weights.length) return [];
    const averages = bases.map((b) => Math.max(b.indexed_terms / Math.max(b.indexed_chunks, 1), 1));
    const { rows } = await sql<{ chunk_id: string; score: number }>`
      with w (knowledge_base_id, term, weight) as (
        select * from unnest(${weights.map((w) => w.base)}::text[], ${weights.map((w) => w.term)}::text[],
          ${weights.map((w) => w.weight)}::float8[])
      ),
      kb (id, avgdl) as (select * from unnest(${bases.map((b) => b.id)}::text[], ${averages}::float8[]))
      select p.chunk_id,
        sum(w.weight * p.tf * ${sql.lit(K1 + 1)}
          / (p.tf + ${sql.lit(K1)} * (${sql.lit(1 - B)} + ${sql.lit(B)} * p.dl / kb.avgdl)))::float8 as score
      from w
      join knowledge_postings p on p.knowledge_base_id = w.knowledge_base_id and p.term = w.term
      join kb on kb.id = w.knowledge_base_id
      group by p.chunk_id
      order by score desc, p.chunk_id
      limit ${limit}`.execute(db);
    return rows.map((r) => ({ chunkId: r.chunk_id, score: r.score }));
  }
}
