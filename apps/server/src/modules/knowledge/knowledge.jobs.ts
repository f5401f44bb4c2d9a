import { knowledgeTopics, type IngestStage } from "@parley/contracts";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedBus, TypedJob } from "../../kernel/typed-bus.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { chunkMarkdown } from "./chunking.ts";
import { toMarkdown } from "./document-parse.ts";
import { publishProgress, statusOfStage } from "./ingest-signals.ts";
import { UPLOADING, type DocumentRow, type KnowledgeRepository } from "./knowledge.repository.ts";
import type { VectorSync } from "./vector-sync.ts";

/** Deliveries of one ingestion before the document is marked failed. */
export const INGEST_ATTEMPTS = 3;

/** What the ingestion worker needs. */
export interface IngestDeps {
  bus: TypedBus;
  knowledge: KnowledgeRepository;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  concurrency: number;
  /** Embeds a ready document's passages when its base has an embedding model. */
  vectors?: VectorSync;
}

/**
 * Consumes ingestion jobs: reads the file from the blob store, parses it to markdown, chunks it
 * and stores the chunks with the `ready` status in one transaction, telling live views each stage
 * (`report`). A file that cannot be read (empty, binary, unsupported, unsafe) fails at once with
 * the reason; any other error is retried, and the document is marked failed on the last attempt.
 * A worker that dies mid-document leaves it `processing` with no chunks visible, and the job is
 * delivered again (or, once its deliveries ran out, the sweep of `ingest-sweep.ts` queues it anew).
 * Once ready (searchable by keyword), the passages are embedded when the base has an embedding
 * model; a failure there is retried on the next delivery and never fails the document (see
 * `VectorSync`).
 * @returns a function that stops consuming.
 */
export async function startIngestWorker(deps: IngestDeps): Promise<() => Promise<void>> {
  const consumer = await deps.bus.consume(
    knowledgeTopics.ingest,
    async (job) => {
      const document = await deps.knowledge.findDocument(job.payload.documentId);
      // Deleted meanwhile, or not committed (never queued).
      if (!document || document.status === UPLOADING) return;
      const report = reporter(deps, document, job);
      // Indexed by an earlier delivery of this job: only its vectors may be missing still.
      if (document.status !== "ready" && !(await ingest(deps, document, job, report))) return;
      await embed(deps, document, job, report);
    },
    { concurrency: deps.concurrency, ackWaitMs: 60_000, maxAttempts: INGEST_ATTEMPTS },
  );
  return () => consumer.close();
}

type Report = (
  stage: IngestStage,
  progress: number,
  told?: { chunkCount?: number; error?: string },
) => Promise<void>;

/** Tells live views where a document is, and the queue that the job is alive. */
function reporter(deps: IngestDeps, document: DocumentRow, job: TypedJob<unknown>): Report {
  const told = { chunkCount: document.chunk_count, error: null as string | null };
  return async (stage, progress, update = {}) => {
    if (update.chunkCount !== undefined) told.chunkCount = update.chunkCount;
    if (update.error !== undefined) told.error = update.error;
    await publishProgress(deps, {
      v: 1,
      knowledgeBaseId: document.knowledge_base_id,
      documentId: document.id,
      // Embedding follows indexing: the document is searchable (ready) meanwhile.
      status: stage === "embedding" ? "ready" : statusOfStage(stage),
      stage,
      progress,
      chunkCount: told.chunkCount,
      error: told.error,
    });
    if (stage !== "ready" && stage !== "failed") await job.extend().catch(() => undefined);
  };
}

/**
 * The `embedding` stage: vectors for a document keyword search already has (nothing to do when
 * its base has no embedding model). Each batch embedded reports progress and keeps the job alive.
 */
async function embed(deps: IngestDeps, document: DocumentRow, job: TypedJob<unknown>, report: Report) {
  await deps.vectors?.embedDocument(document, {
    final: job.attempt >= INGEST_ATTEMPTS,
    onProgress: (fraction) => report("embedding", 0.9 + 0.09 * fraction),
  });
  await report("ready", 1);
}

/** Parses, chunks and indexes a document; false when it ended failed. */
async function ingest(deps: IngestDeps, document: DocumentRow, job: TypedJob<unknown>, report: Report) {
  const documentId = document.id;
  await deps.knowledge.setStatus(documentId, "processing", null, deps.clock.now());
  try {
    await report("parsing", 0.1);
    const object = await deps.blobs.get(document.blob_key);
    if (!object) throw new AppError("validation.failed", "The file is missing from storage; upload it again");
    const bytes = await collect(object.body);
    const markdown = await toMarkdown(bytes, document.media_type, document.name);
    await report("chunking", 0.5);
    const chunks = chunkMarkdown(markdown);
    await report("indexing", 0.8, { chunkCount: chunks.length });
    await deps.knowledge.storeChunks(
      documentId,
      document.knowledge_base_id,
      markdown,
      chunks,
      deps.clock.now(),
    );
  } catch (error) {
    const readable = error instanceof AppError && error.code === "validation.failed";
    if (readable || job.attempt >= INGEST_ATTEMPTS) {
      const reason = readable ? error.message : "The document could not be processed; try Re-index";
      deps.logger.warn({ err: error, documentId }, "document ingestion failed");
      await deps.knowledge.setStatus(documentId, "failed", reason, deps.clock.now());
      await report("failed", 1, { error: reason });
      return false;
    }
    throw error;
  }
  return true;
}

async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === "string" ? Buffer.from(part) : part);
  return Buffer.concat(parts);
}
