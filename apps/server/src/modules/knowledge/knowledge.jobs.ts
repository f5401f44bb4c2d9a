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
}

/**
 * Consumes ingestion jobs: reads the file from the blob store, parses it to markdown, chunks it
 * and stores the chunks with the `ready` status in one transaction, telling live views each stage
 * (`report`). A file that cannot be read (empty, binary, unsupported, unsafe) fails at once with
 * the reason; any other error is retried, and the document is marked failed on the last attempt.
 * A worker that dies mid-document leaves it `processing` with no chunks visible, and the job is
 * delivered again (or, once its deliveries ran out, the sweep of `ingest-sweep.ts` queues it anew).
 * @returns a function that stops consuming.
 */
export async function startIngestWorker(deps: IngestDeps): Promise<() => Promise<void>> {
  const consumer = await deps.bus.consume(
    knowledgeTopics.ingest,
    async (job) => {
      const document = await deps.knowledge.findDocument(job.payload.documentId);
      // Deleted meanwhile, indexed by an earlier delivery of this job, or not committed (never queued).
      if (!document || document.status === "ready" || document.status === UPLOADING) return;
      await ingest(deps, document, job);
    },
    { concurrency: deps.concurrency, ackWaitMs: 60_000, maxAttempts: INGEST_ATTEMPTS },
  );
  return () => consumer.close();
}

async function ingest(deps: IngestDeps, document: DocumentRow, job: TypedJob<unknown>): Promise<void> {
  const documentId = document.id;
  const told = { chunkCount: document.chunk_count, error: null as string | null };
  /** Tells live views where this document is, and the queue that the job is alive. */
  const report = async (stage: IngestStage, progress: number) => {
    await publishProgress(deps, {
      v: 1,
      knowledgeBaseId: document.knowledge_base_id,
      documentId,
      status: statusOfStage(stage),
      stage,
      progress,
      chunkCount: told.chunkCount,
      error: told.error,
    });
    if (stage !== "ready" && stage !== "failed") await job.extend().catch(() => undefined);
  };
  await deps.knowledge.setStatus(documentId, "processing", null, deps.clock.now());
  try {
    await report("parsing", 0.1);
    const object = await deps.blobs.get(document.blob_key);
    if (!object) throw new AppError("validation.failed", "The file is missing from storage; upload it again");
    const bytes = await collect(object.body);
    const markdown = await toMarkdown(bytes, document.media_type, document.name);
    await report("chunking", 0.5);
    const chunks = chunkMarkdown(markdown);
    told.chunkCount = chunks.length;
    await report("indexing", 0.8);
    await deps.knowledge.storeChunks(
      documentId,
      document.knowledge_base_id,
      markdown,
      chunks,
      deps.clock.now(),
    );
    await report("ready", 1);
  } catch (error) {
    const readable = error instanceof AppError && error.code === "validation.failed";
    if (readable || job.attempt >= INGEST_ATTEMPTS) {
      const reason = readable ? error.message : "The document could not be processed; try Re-index";
      deps.logger.warn({ err: error, documentId }, "document ingestion failed");
      await deps.knowledge.setStatus(documentId, "failed", reason, deps.clock.now());
      told.error = reason;
      await report("failed", 1);
      return;
    }
    throw error;
  }
}

async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === "string" ? Buffer.from(part) : part);
  return Buffer.concat(parts);
}
