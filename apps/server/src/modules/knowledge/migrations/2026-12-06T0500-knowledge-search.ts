import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Keyword search. Each knowledge base keeps the totals BM25 needs (chunks indexed, terms in them);
 * each chunk its analysed length. PostgreSQL ranks from `knowledge_postings` (term, chunk, term
 * frequency, chunk length): real BM25 with per-base statistics, which `ts_rank` is not. SQLite
 * ranks with FTS5 (one table per knowledge base, made when its first document is indexed, so that
 * term statistics are the base's own), and leaves `knowledge_postings` empty.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .alterTable("knowledge_bases")
      .addColumn("indexed_chunks", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable("knowledge_bases")
      .addColumn("indexed_terms", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable("knowledge_chunks")
      .addColumn("term_count", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    // SQLite: the chunk's rowid in its base's FTS5 table (set when indexed), to delete it by key.
    await db.schema.alterTable("knowledge_chunks").addColumn("index_rowid", "integer").execute();
    await db.schema
      .createTable("knowledge_postings")
      .addColumn("knowledge_base_id", t.id, (c) => c.notNull())
      .addColumn("term", "text", (c) => c.notNull())
      .addColumn("chunk_id", t.id, (c) => c.notNull().references("knowledge_chunks.id").onDelete("cascade"))
      .addColumn("tf", "integer", (c) => c.notNull())
      // The chunk's analysed length, here so that ranking reads the posting list alone.
      .addColumn("dl", "integer", (c) => c.notNull())
      .execute();
    // Deleting a chunk finds its postings by this index (the cascade would scan without it).
    await db.schema
      .createIndex("knowledge_postings_chunk_idx")
      .on("knowledge_postings")
      .column("chunk_id")
      .execute();
    // One posting per term and chunk; ranking reads (chunk, tf, dl) from the index alone.
    await sql
      .raw(
        `create unique index knowledge_postings_uq on knowledge_postings (knowledge_base_id, term, chunk_id)` +
          (dialect === "postgres" ? " include (tf, dl)" : ""),
      )
      .execute(db);
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("knowledge_postings").execute();
    await db.schema.alterTable("knowledge_chunks").dropColumn("index_rowid").execute();
    await db.schema.alterTable("knowledge_chunks").dropColumn("term_count").execute();
    await db.schema.alterTable("knowledge_bases").dropColumn("indexed_terms").execute();
    await db.schema.alterTable("knowledge_bases").dropColumn("indexed_chunks").execute();
  };
}
