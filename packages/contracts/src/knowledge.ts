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
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "KnowledgeBase" });
export type KnowledgeBase = z.infer<typeof KnowledgeBase>;

export const CreateKnowledgeBaseRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(1000).optional(),
    teamId: z.string().max(100).optional(),
  })
  .meta({ id: "CreateKnowledgeBaseRequest" });
export type CreateKnowledgeBaseRequest = z.infer<typeof CreateKnowledgeBaseRequest>;

export const UpdateKnowledgeBaseRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(1000).optional(),
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
    /** Why ingestion failed, in words a person can act on. */
    error: z.string().nullable(),
    chunkCount: z.number().int(),
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

export const DocumentParams = z.strictObject({
  id: z.string().min(1).max(100),
  documentId: z.string().min(1).max(100),
});

/** Bus payload: ingest (parse, chunk, index) the document `documentId`. Idempotent. */
export const IngestJob = z.object({ v: z.literal(1), documentId: z.string(), knowledgeBaseId: z.string() });
export type IngestJob = z.infer<typeof IngestJob>;

/** The knowledge module's bus topics. */
export const knowledgeTopics = {
  /** One job per document to ingest (job id: the document id and its attempt). */
  ingest: defineTopic({ name: "knowledge-ingest", kind: "job", schema: IngestJob }),
};
