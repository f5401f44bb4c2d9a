import { knowledgeTopics } from "@parley/contracts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { PassageEmbedder } from "./embeddings.ts";
import type { VectorRepository } from "./vector.repository.ts";

/** What choosing a base's embedding model needs. */
export interface KnowledgeEmbeddingsDeps {
  vectors: VectorRepository;
  embedder: PassageEmbedder;
  bus: TypedBus;
  clock: Clock;
}

/**
 * A knowledge base's embedding model, for the knowledge service: which model a request names,
 * what changing it does, and which documents still lack vectors.
 */
export class KnowledgeEmbeddings {
  readonly #d: KnowledgeEmbeddingsDeps;
  constructor(deps: KnowledgeEmbeddingsDeps) {
    this.#d = deps;
  }

  /**
   * The catalog id of the model a request names (an alias becomes the id it points to now, so
   * that the vectors keep meaning the same model); null stays null.
   * @throws AppError `model.not_found`, `provider.disabled`, or `validation.failed` for a model
   *   that cannot embed.
   */
  async resolve(name: string | null): Promise<string | null> {
    return name === null ? null : (await this.#d.embedder.model(name)).id;
  }

  /**
   * Makes `model` the base's embedding model. Searches keep using the current model's vectors
   * while a job embeds every passage with the new one, and switch once the set is complete (at
   * once when nothing is missing); vectors of a model abandoned halfway go. Null: keyword search
   * only, and the vectors go. Setting the same model again retries passages still missing.
   * @returns the model searches use now.
   */
  async change(knowledgeBaseId: string, model: string | null): Promise<string | null> {
    await this.#d.vectors.setModel(knowledgeBaseId, model, this.#d.clock.now());
    if (model === null) return null;
    const serving = await this.#d.vectors.activateIfComplete(knowledgeBaseId, model);
    const missing = await this.#d.vectors.pending(knowledgeBaseId, model, { limit: 1 });
    if (missing.length) {
      await this.#d.bus.enqueue(knowledgeTopics.embed, {
        id: `${knowledgeBaseId}:${model}:${this.#d.clock.now()}`,
        payload: { v: 1, knowledgeBaseId, model },
      });
    }
    return serving ? model : ((await this.#d.vectors.base(knowledgeBaseId))?.activeModel ?? null);
  }

  /** The base's documents with passages that have no vector from its model yet. */
  async documentsPending(base: { id: string; embedding_model: string | null }): Promise<Set<string>> {
    return base.embedding_model
      ? this.#d.vectors.documentsPending(base.id, base.embedding_model)
      : new Set<string>();
  }
}
