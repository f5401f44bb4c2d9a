import type { Model, Provider } from "@parley/contracts";
import type { CatalogModel } from "./model-catalog.ts";
import type { ProviderRecord } from "./provider-record.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A provider as the API shows it: `hasApiKey`, never the key. */
export function toProviderView(p: ProviderRecord): Provider {
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    baseURL: p.baseURL,
    hasApiKey: p.hasApiKey,
    enabled: p.enabled,
    source: p.source,
    editable: p.source === "api",
    models: p.models,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

/** A catalog model as `GET /api/v1/models` shows it. */
export function toModelView(m: CatalogModel): Model {
  return {
    id: m.id,
    provider: m.providerId,
    model: m.upstreamModel,
    aliases: [...m.aliases],
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    inputPricePerMTok: m.price?.inputPerMTok ?? null,
    outputPricePerMTok: m.price?.outputPerMTok ?? null,
    fallbacks: [...m.fallbacks],
    enabled: m.enabled,
    imageInput: m.imageInput,
  };
}
