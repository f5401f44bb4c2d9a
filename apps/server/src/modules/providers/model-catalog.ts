import type { Agent } from "node:http";
import type { EmbeddingModelV4, LanguageModelV4 } from "@ai-sdk/provider";
import type { CatalogModel } from "../../kernel/ai-call.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { ProviderDirectory } from "./provider-directory.ts";
import type { SdkProviderCache } from "./sdk-providers.ts";

export type { CatalogModel, ModelPrice } from "../../kernel/ai-call.ts";

/** Where an OpenAI-compatible server takes chat completions, and the connections to it. */
export interface DirectChatEndpoint {
  /** `…/chat/completions`. */
  url: URL;
  apiKey: string | null;
  /** A keep-alive agent (node:http or node:https, matching `url`) owned by the provider. */
  agent: Agent;
}

/** The models the AI pipeline may call, and the AI SDK models that call them. */
export interface ModelCatalog {
  /** All models (enabled or not), ids sorted. */
  list(): Promise<CatalogModel[]>;
  /** Resolves an id or alias. @throws AppError model.not_found; provider.disabled when disabled. */
  resolve(idOrAlias: string): Promise<CatalogModel>;
  /** The AI SDK language model for a catalog model (cached per provider config version). */
  languageModel(model: CatalogModel): LanguageModelV4;
  /**
   * The endpoint for streaming chat straight from an OpenAI-compatible server (the gateway's
   * lean path, ADR 0010), or null for other provider types, which stream through the AI SDK.
   */
  directChat(model: CatalogModel): DirectChatEndpoint | null;
  /** The AI SDK embedding model. @throws AppError model.not_found if the provider type has none. */
  embeddingModel(model: CatalogModel): EmbeddingModelV4;
}

/**
 * The catalog over the provider directory. Lookups read the directory's snapshot (at most a few
 * seconds old); SDK instances are cached per provider and rebuilt when its URL or key changes.
 * @example
 * const model = await catalog.resolve("fast"); const lm = catalog.languageModel(model);
 * const { stream } = await lm.doStream({ prompt });
 */
export class DirectoryModelCatalog implements ModelCatalog {
  readonly #directory: ProviderDirectory;
  readonly #sdk: SdkProviderCache;
  #pruned: unknown = null;

  constructor(deps: { directory: ProviderDirectory; sdk: SdkProviderCache }) {
    this.#directory = deps.directory;
    this.#sdk = deps.sdk;
  }

  async list(): Promise<CatalogModel[]> {
    return [...(await this.#directory.snapshot()).catalog.models];
  }

  async resolve(idOrAlias: string): Promise<CatalogModel> {
    const { catalog } = await this.#directory.snapshot();
    const model = catalog.byId.get(idOrAlias) ?? catalog.byAlias.get(idOrAlias);
    if (!model)
      throw new AppError("model.not_found", `No model ${idOrAlias}`, { details: { model: idOrAlias } });
    if (!model.enabled) {
      throw new AppError("provider.disabled", `Model ${model.id} is disabled`, {
        details: { model: model.id, provider: model.providerId },
      });
    }
    return model;
  }

  languageModel(model: CatalogModel): LanguageModelV4 {
    return this.#sdkFor(model).languageModel(model.upstreamModel);
  }

  directChat(model: CatalogModel): DirectChatEndpoint | null {
    return this.#sdkFor(model).directChat;
  }

  embeddingModel(model: CatalogModel): EmbeddingModelV4 {
    const make = this.#sdkFor(model).embeddingModel;
    if (!make) {
      throw new AppError(
        "model.not_found",
        `Provider ${model.providerId} (${model.providerType}) has no embedding models`,
        {
          details: { model: model.id },
        },
      );
    }
    return make(model.upstreamModel);
  }

  #sdkFor(model: CatalogModel) {
    const snapshot = this.#directory.latest();
    const provider = snapshot?.providers.find((p) => p.id === model.providerId);
    if (!snapshot || !provider) throw new AppError("provider.not_found", `No provider ${model.providerId}`);
    if (this.#pruned !== snapshot) {
      this.#pruned = snapshot;
      this.#sdk.retain(new Set(snapshot.providers.map((p) => p.id)));
    }
    return this.#sdk.get(provider);
  }
}
