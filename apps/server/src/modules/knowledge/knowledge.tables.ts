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
}

export interface KnowledgeTables {
  knowledge_bases: KnowledgeBasesTable;
  knowledge_documents: KnowledgeDocumentsTable;
  knowledge_chunks: KnowledgeChunksTable;
}
