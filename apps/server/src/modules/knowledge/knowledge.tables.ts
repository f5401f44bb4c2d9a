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
}

export interface KnowledgeDocumentsTable {
  id: string;
  knowledge_base_id: string;
  name: string;
  media_type: string;
  size_bytes: number;
  sha256: string;
  blob_key: string;
  /** queued, processing, ready, failed. */
  status: string;
  error: string | null;
  chunk_count: number;
  content: string | null;
  created_at: number;
  updated_at: number;
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
}

/** PostgreSQL's keyword index: one row per term and chunk (SQLite uses FTS5 instead). */
export interface KnowledgePostingsTable {
  knowledge_base_id: string;
  term: string;
  chunk_id: string;
  tf: number;
  dl: number;
}

export interface KnowledgeTables {
  knowledge_bases: KnowledgeBasesTable;
  knowledge_documents: KnowledgeDocumentsTable;
  knowledge_chunks: KnowledgeChunksTable;
  knowledge_postings: KnowledgePostingsTable;
}
