import type { Generated } from "kysely";
import type { JsonColumn } from "../../db/json.ts";

export interface KnowledgeBasesTable {
  id: string;
  owner_id: string;
  team_id: string | null;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  /** Chunks in the keyword index, and the analysed terms in them (BM25's N and average length). */
  indexed_chunks: Generated<number>;
  indexed_terms: Generated<number>;
  /** The catalog model passages should be embedded with; null: keyword search only. */
  embedding_model: string | null;
  /** The model whose complete set of vectors searches use (the previous one during a change). */
  active_embedding_model: string | null;
}

export interface KnowledgeDocumentsTable {
  id: string;
  knowledge_base_id: string;
  name: string;
  media_type: string;
  size_bytes: number;
  sha256: string;
  blob_key: string;
  /**
   * queued, processing, ready, failed; `uploading` while its file arrives (a row never shown:
   * it exists before the file so that a file never exists without a row).
   */
  status: string;
  error: string | null;
  chunk_count: number;
  content: string | null;
  created_at: number;
  updated_at: number;
  /** Times the sweep handed it back to the queue while it was processing (see `ingest-sweep.ts`). */
  sweeps: Generated<number>;
}

export interface KnowledgeChunksTable {
  id: string;
  document_id: string;
  knowledge_base_id: string;
  ordinal: number;
  /** JSON array of strings. */
  heading_path: JsonColumn;
  start_offset: number;
  end_offset: number;
  text: string;
  token_count: number;
  /** Analysed terms (stop words out), the chunk's length for BM25. */
  term_count: Generated<number>;
  /** SQLite: the chunk's rowid in its base's FTS5 table. */
  index_rowid: number | null;
}

/** PostgreSQL's keyword index: one row per term and chunk (SQLite uses FTS5 instead). */
export interface KnowledgePostingsTable {
  knowledge_base_id: string;
  term: string;
  chunk_id: string;
  tf: number;
  dl: number;
}

/**
 * One passage's vector from one model: float32 little-endian bytes on SQLite and in PostgreSQL's
 * `bytea` fallback, pgvector's text form (`[0.1,0.2]`) where the column is a `vector`.
 */
export interface KnowledgeVectorsTable {
  chunk_id: string;
  knowledge_base_id: string;
  model: string;
  dimensions: number;
  embedding: Uint8Array | string;
}

export interface KnowledgeTables {
  knowledge_bases: KnowledgeBasesTable;
  knowledge_documents: KnowledgeDocumentsTable;
  knowledge_chunks: KnowledgeChunksTable;
  knowledge_postings: KnowledgePostingsTable;
  knowledge_vectors: KnowledgeVectorsTable;
}
