import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { PassageEmbedder } from "./embeddings.ts";
import type { BaseEmbedding, PendingPassage, VectorRepository } from "./vector.repository.ts";

/** Passages read (and embedded, in the embedder's batches) at a time when a whole base is embedded. */
const PAGE = 256;

/** What keeping vectors in step with passages needs. */
export interface VectorSyncDeps {
  vectors: VectorRepository;
  embedder: PassageEmbedder;
  clock: Clock;
  logger: Logger;
}

/**
 * Keeps a knowledge base's vectors in step with its passages: after a document is indexed
 * (ingestion's `embedding` stage) and after the base's model changes (the re-embed job). A
 * document is `ready` once it is indexed for keyword search; its vectors follow, and a failure to
 * embed leaves it ready, with the reason in its `error` and `vectorsPending` true, never failed.
 */
export class VectorSync {
  readonly #d: VectorSyncDeps;
  constructor(deps: VectorSyncDeps) {
    this.#d = deps;
  }

  /**
   * Embeds the passages of an indexed document that have no vector from its base's model (none
   * to do without a model), reporting progress from 0 to 1; then lets searches use the model if
   * that completed the base's set.
   * @param options.final the last attempt: a failure is recorded and not thrown.
   * @throws the embedding failure (after recording it on the document), unless `final`, so that
   *   the job is delivered again and retries the passages still missing.
   */
  async embedDocument(
    document: { id: string; knowledge_base_id: string },
    options: { final: boolean; onProgress?: (fraction: number) => Promise<void> | void },
  ): Promise<void> {
    const base = await this.#d.vectors.base(document.knowledge_base_id);
    const model = base?.model;
    if (!base || !model) return;
    const passages = await this.#d.vectors.pending(base.id, model, {
      documentId: document.id,
      limit: 100_000,
    });
    if (!passages.length) return;
    try {
      let done = 0;
      await this.#embed(base, model, passages, async (count) => {
        done += count;
        await options.onProgress?.(done / passages.length);
      });
      await this.#d.vectors.setVectorError(document.id, null, this.#d.clock.now());
      await this.#d.vectors.activateIfComplete(base.id, model);
    } catch (error) {
      const reason = error instanceof AppError ? error.message : "the embedding call failed";
      this.#d.logger.warn({ err: error, documentId: document.id, model }, "could not embed a document");
      await this.#d.vectors.setVectorFailure(
        document.id,
        model,
        `Searchable by keyword, but its passages could not be embedded with ${model}: ${reason}. ` +
          (options.final ? "Re-index it to try again." : "Trying again."),
        this.#d.clock.now(),
      );
      if (!options.final) throw error;
    }
  }

  /**
   * Embeds every passage of the base that has no vector from `model`, then lets searches use
   * it (the previous model's vectors serve until then). Stops, without error, once `model` is no
   * longer the base's (changed again, or the base deleted).
   * @param extend called between pages, to tell the queue the job is alive.
   */
  async embedBase(knowledgeBaseId: string, model: string, extend?: () => Promise<void>): Promise<void> {
    let after: string | undefined;
    const documents = new Set<string>();
    for (;;) {
      const base = await this.#d.vectors.base(knowledgeBaseId);
      if (base?.model !== model) return;
      const page = await this.#d.vectors.pending(knowledgeBaseId, model, {
        limit: PAGE,
        ...(after ? { after } : {}),
      });
      if (!page.length) break;
      await this.#embed(base, model, page, () => undefined);
      for (const passage of page) documents.add(passage.documentId);
      after = page.at(-1)?.id;
      await extend?.();
    }
    await this.#d.vectors.activateIfComplete(knowledgeBaseId, model);
    const now = this.#d.clock.now();
    for (const id of documents) await this.#d.vectors.setVectorError(id, null, now);
  }

  /** Embeds passages batch by batch, storing each batch's vectors as it comes. */
  async #embed(
    base: BaseEmbedding,
    model: string,
    passages: readonly PendingPassage[],
    onStored: (count: number) => Promise<void> | void,
  ): Promise<void> {
    await this.#d.embedder.passages(
      base,
      model,
      passages.map((p) => p.text),
      async (vectors, offset) => {
        await this.#d.vectors.store(
          vectors.map((vector, i) => {
            const passage = passages[offset + i];
            if (!passage) throw new Error(`no passage at ${offset + i}`);
            return { chunkId: passage.id, knowledgeBaseId: base.id, model, vector, text: passage.text };
          }),
        );
        await onStored(vectors.length);
      },
    );
  }
}
