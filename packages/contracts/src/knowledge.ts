import { z } from "zod";
import { defineTopic } from "./topics.ts";

/** A knowledge base: a team's (or one person's) documents, searchable and citable. */
export const KnowledgeBase = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    /** Null: its owner's personal space. */
    teamId: z.string().nullable(),
    ownerId: z.string(),
    documentCount: z.number().int(),
    /**
     * The catalog model (`provider/model`) that embeds the base's passages for vector and hybrid
     * search; null: keyword search only.
     */
    embeddingModel: z.string().nullable(),
    /**
     * The model whose vectors searches use now. It differs from `embeddingModel` while the base is
     * re-embedded after a change of model (the old vectors keep serving until the new set is
     * complete); null until the first set is complete, or without a model.
     */
    activeEmbeddingModel: z.string().nullable().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "KnowledgeBase" });
export type KnowledgeBase = z.infer<typeof KnowledgeBase>;

/** A catalog model id or alias, or null for none. */
const EmbeddingModelName = z.string().trim().min(1).max(200).nullable();

export const CreateKnowledgeBaseRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(1000).optional(),
    teamId: z.string().max(100).optional(),
    /** A catalog model (id or alias) to embed passages with; absent or null: keyword search only. */
    embeddingModel: EmbeddingModelName.optional(),
  })
  .meta({ id: "CreateKnowledgeBaseRequest" });
export type CreateKnowledgeBaseRequest = z.infer<typeof CreateKnowledgeBaseRequest>;

export const UpdateKnowledgeBaseRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(1000).optional(),
    /** Another embedding model re-embeds every passage in the background; null drops the vectors. */
    embeddingModel: EmbeddingModelName.optional(),
  })
  .meta({ id: "UpdateKnowledgeBaseRequest" });
export type UpdateKnowledgeBaseRequest = z.infer<typeof UpdateKnowledgeBaseRequest>;

export const KnowledgeBaseListQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  teamId: z.string().max(100).optional(),
});
export type KnowledgeBaseListQuery = z.infer<typeof KnowledgeBaseListQuery>;

/** Where a document is in its ingestion: only `ready` documents are searched. */
export const DocumentStatus = z.enum(["queued", "processing", "ready", "failed"]);
export type DocumentStatus = z.infer<typeof DocumentStatus>;

/** The document types a knowledge base takes, by media type. */
export const DOCUMENT_TYPES = {
  "text/plain": [".txt"],
  "text/markdown": [".md", ".markdown"],
  "text/html": [".html", ".htm"],
  "text/csv": [".csv"],
  "application/pdf": [".pdf"],
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
} as const;

export const KnowledgeDocument = z
  .object({
    id: z.string(),
    knowledgeBaseId: z.string(),
    name: z.string(),
    mediaType: z.string(),
    sizeBytes: z.number().int(),
    sha256: z.string(),
    status: DocumentStatus,
    /**
     * Why ingestion failed, in words a person can act on; on a `ready` document, why its vectors
     * are missing (it is searched by keyword meanwhile).
     */
    error: z.string().nullable(),
    chunkCount: z.number().int(),
    /**
     * True while some of a ready document's passages have no vector for the base's embedding model
     * yet (being embedded, or embedding failed: see `error`): keyword search finds them, vector
     * search does not.
     */
    vectorsPending: z.boolean().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "KnowledgeDocument" });
export type KnowledgeDocument = z.infer<typeof KnowledgeDocument>;

/** The answer to an upload: each file's document, and whether it was already there. */
export const UploadResult = z
  .object({
    documents: z.array(KnowledgeDocument.extend({ duplicate: z.boolean() })),
  })
  .meta({ id: "UploadResult" });
export type UploadResult = z.infer<typeof UploadResult>;

/** A document's text as parsed to markdown: what its chunks' spans point into. */
export const DocumentContent = z
  .object({
    documentId: z.string(),
    knowledgeBaseId: z.string(),
    name: z.string(),
    status: DocumentStatus,
    /** Null until the document is parsed (queued, processing, or failed). */
    content: z.string().nullable(),
  })
  .meta({ id: "DocumentContent" });
export type DocumentContent = z.infer<typeof DocumentContent>;

export const DocumentParams = z.strictObject({
  id: z.string().min(1).max(100),
  documentId: z.string().min(1).max(100),
});

/** Bus payload: ingest (parse, chunk, index) the document `documentId`. Idempotent. */
export const IngestJob = z.object({ v: z.literal(1), documentId: z.string(), knowledgeBaseId: z.string() });
export type IngestJob = z.infer<typeof IngestJob>;

/**
 * Bus payload: embed every passage of the base that has no vector for `model` yet (after a change
 * of embedding model, or to retry failed embeddings), then let searches use `model`. Idempotent;
 * a job whose `model` is no longer the base's does nothing.
 */
export const EmbedJob = z.object({ v: z.literal(1), knowledgeBaseId: z.string(), model: z.string() });
export type EmbedJob = z.infer<typeof EmbedJob>;

/** The knowledge module's bus topics. */
export const knowledgeTopics = {
  /** One job per document to ingest (job id: the document id and its attempt). */
  ingest: defineTopic({ name: "knowledge-ingest", kind: "job", schema: IngestJob }),
  /** Re-embeds a knowledge base with its embedding model. */
  embed: defineTopic({ name: "knowledge-embed", kind: "job", schema: EmbedJob }),
};

/** How a search ranks: words (BM25), meaning (embeddings), or both fused by reciprocal rank. */
export const SearchMode = z.enum(["keyword", "vector", "hybrid"]);
export type SearchMode = z.infer<typeof SearchMode>;

/** Longest query a search takes, in characters. */
export const MAX_QUERY_CHARS = 2000;

export const KnowledgeSearchRequest = z
  .strictObject({
    query: z.string().trim().min(1).max(MAX_QUERY_CHARS),
    limit: z.number().int().min(1).max(100).default(10),
    /** Default: hybrid when an embedding model is configured, keyword otherwise. */
    mode: SearchMode.optional(),
  })
  .meta({ id: "KnowledgeSearchRequest" });
export type KnowledgeSearchRequest = z.infer<typeof KnowledgeSearchRequest>;

/** One passage found: where it is in which document, and how well it matched. */
export const SearchHit = z
  .object({
    chunkId: z.string(),
    documentId: z.string(),
    documentName: z.string(),
    knowledgeBaseId: z.string(),
    headingPath: z.array(z.string()),
    /** Character span of the passage in the document's text. */
    start: z.number().int(),
    end: z.number().int(),
    text: z.string(),
    /** Higher is better; comparable only within one answer. */
    score: z.number(),
  })
  .meta({ id: "SearchHit" });
export type SearchHit = z.infer<typeof SearchHit>;

export const KnowledgeSearchResult = z
  .object({
    /**
     * The mode that ran: vector and hybrid answer in keyword mode when the base has no complete
     * set of vectors, the query could not be embedded, or the database cannot rank vectors
     * (PostgreSQL without pgvector).
     */
    mode: SearchMode,
    data: z.array(SearchHit),
    tookMs: z.number(),
  })
  .meta({ id: "KnowledgeSearchResult" });
export type KnowledgeSearchResult = z.infer<typeof KnowledgeSearchResult>;

/** Where a document's ingestion stands, as the live events tell it. */
export const IngestStage = z.enum([
  "queued",
  "parsing",
  "chunking",
  "indexing",
  "embedding",
  "ready",
  "failed",
]);
export type IngestStage = z.infer<typeof IngestStage>;

/** A change to one document of a knowledge base (status, stage, progress), for live views. */
export const DocumentProgress = z
  .object({
    v: z.literal(1),
    knowledgeBaseId: z.string(),
    documentId: z.string(),
    status: DocumentStatus,
    stage: IngestStage,
    /** 0..1 within the whole ingestion. */
    progress: z.number().min(0).max(1),
    chunkCount: z.number().int(),
    error: z.string().nullable(),
    /** True once the document was deleted (with its base, or alone): drop it from the view. */
    deleted: z.boolean().optional(),
  })
  .meta({ id: "DocumentProgress" });
export type DocumentProgress = z.infer<typeof DocumentProgress>;

/** Live document changes, to every process (each relays those of the bases its clients watch). */
export const knowledgeEventTopics = {
  progress: defineTopic({ name: "knowledge-progress", kind: "event", schema: DocumentProgress }),
};
