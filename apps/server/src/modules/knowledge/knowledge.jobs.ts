import { knowledgeTopics } from "@parley/contracts";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { chunkMarkdown } from "./chunking.ts";
import { toMarkdown } from "./document-parse.ts";
import type { DocumentRow, KnowledgeRepository } from "./knowledge.repository.ts";
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
  /** Embeds an indexed document's passages when its base has an embedding model. */
  vectors?: Pick<VectorSync, "embedDocument">;
}

/**
 * Consumes ingestion jobs: reads the file from the blob store, parses it to markdown, chunks it
 * and stores the chunks with the `ready` status in one transaction. A file that cannot be read
 * (empty, binary, unsupported) fails at once with the reason; any other error is retried, and
 * the document is marked failed on the last attempt. A worker that dies mid-document leaves it
 * `processing` with no chunks visible, and the job is delivered again. Once ready (searchable by
 * keyword), the passages are embedded when the base has an embedding model; a failure there is
 * retried on the next delivery and never fails the document (see `VectorSync`).
 * @returns a function that stops consuming.
 */
export async function startIngestWorker(deps: IngestDeps): Promise<() => Promise<void>> {
  const consumer = await deps.bus.consume(
    knowledgeTopics.ingest,
    async (job) => {
      const { documentId } = job.payload;
      const document = await deps.knowledge.findDocument(documentId);
      // Deleted meanwhile.
      if (!document) return;
      // Indexed by an earlier delivery of this job: only its vectors may be missing still.
      if (document.status === "ready") return embed(deps, document, job);
      await deps.knowledge.setStatus(documentId, "processing", null, deps.clock.now());
      try {
        const object = await deps.blobs.get(document.blob_key);
        if (!object)
          throw new AppError("validation.failed", "The file is missing from storage; upload it again");
        const bytes = await collect(object.body);
        const markdown = await toMarkdown(bytes, document.media_type, document.name);
        const chunks = chunkMarkdown(markdown);
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
          return;
        }
        throw error;
      }
      await embed(deps, document, job);
    },
    { concurrency: deps.concurrency, ackWaitMs: 60_000, maxAttempts: INGEST_ATTEMPTS },
  );
  return () => consumer.close();
}

/**
 * The `embedding` stage: vectors for a document keyword search already has. Each batch embedded
 * tells the queue the job is alive (a long document takes many calls).
 */
async function embed(
  deps: IngestDeps,
  document: DocumentRow,
  job: { attempt: number; extend(): Promise<void> },
): Promise<void> {
  await deps.vectors?.embedDocument(document, {
    final: job.attempt >= INGEST_ATTEMPTS,
    onProgress: () => job.extend(),
  });
}

async function collect(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === "string" ? Buffer.from(part) : part);
  return Buffer.concat(parts);
}
