import type { CatalogModel } from "./model-catalog.ts";
import { declarationOf, modelIdOf, type ModelOverride, type ProviderRecord } from "./provider-record.ts";

/** Two models claiming the same alias, or an alias equal to another model's id. */
export interface AliasConflict {
  alias: string;
  /** The model that keeps the name, and the one whose alias is ignored. */
  kept: string;
  ignored: string;
}

/** The catalog of one snapshot: every model with the admins' overrides applied, and lookups. */
export interface BuiltCatalog {
  /** Sorted by id. */
  models: CatalogModel[];
  byId: ReadonlyMap<string, CatalogModel>;
  byAlias: ReadonlyMap<string, CatalogModel>;
  conflicts: AliasConflict[];
}

/**
 * Builds the catalog from providers and overrides. Each field of a model is the admin's
 * override, else the provider's declaration, else empty. Ids win over aliases and, between
 * two aliases, the model with the smaller id keeps it; the others are reported in `conflicts`.
 * Fallbacks given as aliases become ids; unknown ones and the model itself are dropped.
 * @example
 * const catalog = buildCatalog(providers, overrides); catalog.byAlias.get("fast")?.id
 */
export function buildCatalog(
  providers: readonly ProviderRecord[],
  overrides: readonly ModelOverride[],
): BuiltCatalog {
  const overrideOf = new Map(overrides.map((o) => [modelIdOf(o.providerId, o.model), o]));
  const drafts: { model: CatalogModel; fallbacks: string[] }[] = [];
  for (const provider of providers) {
    for (const entry of provider.models) {
      const d = declarationOf(entry);
      const id = modelIdOf(provider.id, d.id);
      const o = overrideOf.get(id);
      const input = o?.inputPricePerMTok ?? d.inputPricePerMTok ?? null;
      const output = o?.outputPricePerMTok ?? d.outputPricePerMTok ?? null;
      drafts.push({
        model: {
          id,
          providerId: provider.id,
          providerType: provider.type,
          upstreamModel: d.id,
          aliases: [...new Set(o?.aliases ?? d.aliases ?? [])],
          contextWindow: o?.contextWindow ?? d.contextWindow ?? null,
          maxOutputTokens: o?.maxOutputTokens ?? d.maxOutputTokens ?? null,
          price:
            input === null && output === null
              ? null
              : { inputPerMTok: input ?? 0, outputPerMTok: output ?? 0 },
          fallbacks: [],
          enabled: provider.enabled && (o?.enabled ?? true),
          imageInput: o?.imageInput ?? d.imageInput ?? readsImagesByName(d.id),
        },
        fallbacks: o?.fallbacks ?? d.fallbacks ?? [],
      });
    }
  }
  drafts.sort((a, b) => (a.model.id < b.model.id ? -1 : a.model.id > b.model.id ? 1 : 0));

  const byId = new Map(drafts.map((d) => [d.model.id, d.model]));
  const byAlias = new Map<string, CatalogModel>();
  const conflicts: AliasConflict[] = [];
  for (const { model } of drafts) {
    const kept: string[] = [];
    for (const alias of model.aliases) {
      const owner = byId.get(alias) ?? byAlias.get(alias);
      if (owner && owner !== model) {
        conflicts.push({ alias, kept: owner.id, ignored: model.id });
        continue;
      }
      byAlias.set(alias, model);
      kept.push(alias);
    }
    model.aliases = kept;
  }
  for (const { model, fallbacks } of drafts) {
    const ids = fallbacks.map((ref) => (byId.get(ref) ?? byAlias.get(ref))?.id);
    model.fallbacks = [...new Set(ids.filter((id): id is string => id !== undefined && id !== model.id))];
  }
  // Callers share these objects: freeze them so that none can change another's view.
  for (const { model } of drafts) {
    Object.freeze(model.aliases);
    Object.freeze(model.fallbacks);
    if (model.price) Object.freeze(model.price);
    Object.freeze(model);
  }
  return { models: drafts.map((d) => d.model), byId, byAlias, conflicts };
}

/**
 * Model families known to read images (OpenAI's GPT-4o and later, Claude 3 and later, Gemini,
 * and the open vision models Ollama serves), for models whose declaration does not say.
 * @example readsImagesByName("gpt-4o-mini") // true
 */
export function readsImagesByName(model: string): boolean {
  return /gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|(^|\/)o[134]\b|claude-(3|sonnet|opus|haiku)|gemini|gemma-?3|llava|vision|-vl\b|pixtral|llama-?4|minicpm-v|moondream|bakllava/i.test(
    model,
  );
}
