/**
 * The providers module: LLM providers (configured, created through the API, or a detected
 * Ollama), their models with aliases, limits, prices and fallbacks, and the `ModelCatalog`
 * the AI pipeline resolves models and gets AI SDK models from.
 */
import { defineModule } from "../../kernel/module.ts";
import { providersErrors } from "./providers.errors.ts";
import type { AuditExports } from "../audit/index.ts";
import { createProvidersModule, type ProvidersModule } from "./providers.module.ts";
import * as providersMigration from "./migrations/2026-11-22T1400-providers.ts";
import * as imageInputMigration from "./migrations/2026-12-09T1000-model-image-input.ts";

/** What the providers module offers the modules built after it. */
export type ProvidersExports = Omit<ProvidersModule, "registerRoutes">;

/** Providers and the model catalog; a local Ollama is looked for at start. */
export const providersModule = defineModule({
  name: "providers",
  errors: providersErrors,
  topics: {},
  needs: ["audit"],
  permissions: ["providers:read", "providers:manage"],
  tables: ["providers", "model_settings"],
  migrations: {
    "2026-11-22T1400-providers": providersMigration,
    "2026-12-09T1000-model-image-input": imageInputMigration,
  },
  build: async (ctx, { audit }: { audit: AuditExports }) => {
    const providers = createProvidersModule({
      database: ctx.platform.database,
      secrets: ctx.platform.secrets,
      audit: audit.audit,
      clock: ctx.platform.clock,
      logger: ctx.logger,
      config: {
        providers: ctx.config.providers,
        ollamaUrl: ctx.config.ollamaUrl,
        ollamaDetect: ctx.config.ollamaDetect,
      },
    });
    await providers.detectOllama();
    return {
      exports: providers satisfies ProvidersExports,
      routes: (app) => {
        providers.registerRoutes(app);
      },
    };
  },
});

export type { ProvidersDeps, ProvidersModule } from "./providers.module.ts";
export type { CatalogModel, DirectChatEndpoint, ModelCatalog, ModelPrice } from "./model-catalog.ts";
export type { ProvidersTables } from "./providers.tables.ts";
export type { ProvidersLogger } from "./provider-directory.ts";
