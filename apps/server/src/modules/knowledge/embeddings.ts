import { AppError } from "../../kernel/app-error.ts";
import type { Principal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { AiPipeline } from "../ai/index.ts";
import type { CatalogModel, ModelCatalog } from "../providers/index.ts";

/** Most passages one embedding call carries. */
const BATCH_INPUTS = 64;
/**
 * Most characters one call carries (~25k tokens). The pipeline's context-window stage counts a
 * call's inputs together, so a model that declares a window gets batches within it.
 */
const BATCH_CHARS = 100_000;

/** What the embedder needs: the AI pipeline, the catalog, and who a base's owner is. */
export interface EmbedderDeps {
  pipeline: Pick<AiPipeline, "embed">;
  catalog: Pick<ModelCatalog, "resolve">;
  /** The principal of a user as the access rules see them now; null when the account is gone. */
  principalOf: (userId: string) => Promise<Principal | null>;
}

/** The base an embedding is made for: it is metered to its team, on behalf of its owner. */
export interface EmbeddingPayer {
  ownerId: string;
  teamId: string | null;
}

/**
 * Embeds passages and queries through the AI pipeline, so that every embedding is authorized,
 * rate-limited, metered and audited like any AI call (surface `knowledge`). Passages are embedded
 * on behalf of the knowledge base's owner and metered to its team: ingestion runs on a worker,
 * long after the upload's request, and the base's vectors are the base's cost. A query is
 * embedded on behalf of whoever searches.
 */
export class PassageEmbedder {
  readonly #d: EmbedderDeps;
  constructor(deps: EmbedderDeps) {
    this.#d = deps;
  }

  /**
   * The catalog model an id or alias names, if it can embed.
   * @throws AppError `model.not_found`, `provider.disabled`; `validation.failed` for a model of a
   *   provider without embeddings (Anthropic).
   */
  async model(idOrAlias: string): Promise<CatalogModel> {
    const model = await this.#d.catalog.resolve(idOrAlias);
    if (model.providerType === "anthropic")
      throw new AppError("validation.failed", `${model.id} cannot embed: Anthropic has no embedding models`, {
        details: { model: model.id },
      });
    return model;
  }

  /**
   * Embeds `texts` with `model` for the base `payer`, in batches, calling `onBatch` after each.
   * @throws AppError the pipeline's refusal or the provider's failure, or `auth.forbidden` when
   *   the base's owner no longer exists.
   */
  async passages(
    payer: EmbeddingPayer,
    model: string,
    texts: readonly string[],
    onBatch?: (vectors: number[][], offset: number) => Promise<void>,
  ): Promise<number[][]> {
    const principal = await this.#d.principalOf(payer.ownerId);
    if (!principal) throw new AppError("auth.forbidden", "The knowledge base's owner no longer exists");
    const ctx: RequestContext = { requestId: null, ip: null, userAgent: "parley-worker", principal };
    const window = (await this.#d.catalog.resolve(model)).contextWindow;
    const maxChars = window === null ? BATCH_CHARS : Math.min(BATCH_CHARS, window * 4);
    const all: number[][] = [];
    for (const [start, end] of batches(texts, maxChars)) {
      const values = texts.slice(start, end);
      const result = await this.#d.pipeline.embed(
        { surface: "knowledge", teamId: payer.teamId, model, values },
        ctx,
      );
      if (result.embeddings.length !== values.length)
        throw new AppError(
          "upstream.error",
          `${model} answered ${result.embeddings.length} vectors for ${values.length} passages`,
        );
      all.push(...result.embeddings);
      await onBatch?.(result.embeddings, start);
    }
    return all;
  }

  /** Embeds a search query on behalf of its asker, metered to `teamId` (the searched base's team). */
  async query(model: string, text: string, ctx: RequestContext, teamId: string | null): Promise<number[]> {
    const result = await this.#d.pipeline.embed({ surface: "knowledge", teamId, model, values: [text] }, ctx);
    const vector = result.embeddings[0];
    if (!vector) throw new AppError("upstream.error", `${model} answered no vector for the query`);
    return vector;
  }
}

/**
 * Cuts `texts` into runs of at most {@link BATCH_INPUTS} texts and `maxChars` characters (a text
 * longer than that alone is a run of its own).
 * @returns [start, end) index pairs.
 */
export function batches(texts: readonly string[], maxChars: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = 0;
  let chars = 0;
  for (let i = 0; i < texts.length; i++) {
    const length = (texts[i]?.length ?? 0) + 1;
    if (i > start && (i - start >= BATCH_INPUTS || chars + length > maxChars)) {
      runs.push([start, i]);
      start = i;
      chars = 0;
    }
    chars += length;
  }
  if (start < texts.length) runs.push([start, texts.length]);
  return runs;
}
