/**
 * The providers module: LLM providers (configured, created through the API, or a detected
 * Ollama), their models with aliases, limits, prices and fallbacks, and the `ModelCatalog`
 * the AI pipeline resolves models and gets AI SDK models from.
 */
export { createProvidersModule } from "./providers.module.ts";
export type { ProvidersDeps, ProvidersModule } from "./providers.module.ts";
export type { CatalogModel, ModelCatalog, ModelPrice } from "./model-catalog.ts";
export type { ProvidersTables } from "./providers.tables.ts";
export { DIRECTORY_TTL_MS } from "./provider-directory.ts";
export type { ProvidersLogger } from "./provider-directory.ts";
