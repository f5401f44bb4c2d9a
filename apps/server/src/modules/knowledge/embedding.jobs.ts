import { knowledgeTopics } from "@parley/contracts";
import type { Logger } from "pino";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { VectorSync } from "./vector-sync.ts";

/**
 * Deliveries of one re-embed job before it is dropped (about 25 s of back-off in all). The base
 * then keeps serving its previous vectors; setting its model again, or re-indexing a document,
 * tries again.
 */
export const EMBED_ATTEMPTS = 10;

/** What the re-embed worker needs. */
export interface EmbedWorkerDeps {
  bus: TypedBus;
  sync: VectorSync;
  logger: Logger;
  concurrency: number;
}

/**
 * Consumes re-embed jobs: embeds the passages of a base that have no vector from its model, then
 * switches its searches to that model. A failure (the provider down, a rate limit) is retried
 * with back-off; passages embedded before it are kept.
 * @returns a function that stops consuming.
 */
export async function startEmbedWorker(deps: EmbedWorkerDeps): Promise<() => Promise<void>> {
  const consumer = await deps.bus.consume(
    knowledgeTopics.embed,
    async (job) => {
      const { knowledgeBaseId, model } = job.payload;
      try {
        await deps.sync.embedBase(knowledgeBaseId, model, () => job.extend());
      } catch (error) {
        const last = job.attempt >= EMBED_ATTEMPTS;
        deps.logger.warn(
          { err: error, knowledgeBaseId, model, attempt: job.attempt },
          last ? "gave up re-embedding a knowledge base" : "re-embedding a knowledge base failed; retrying",
        );
        if (!last) throw error;
      }
    },
    { concurrency: deps.concurrency, ackWaitMs: 120_000, maxAttempts: EMBED_ATTEMPTS },
  );
  return () => consumer.close();
}
