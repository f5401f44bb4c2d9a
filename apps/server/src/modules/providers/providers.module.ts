import type { ProviderDeclaration } from "@parley/contracts";
import { ConfigError } from "../../config/config.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { Database } from "../../platform/db/database.ts";
import type { Secrets } from "../../platform/secrets.ts";
import type { AuditSink } from "../../kernel/request-context.ts";
import { buildCatalog } from "./catalog-build.ts";
import { DirectoryModelCatalog, type ModelCatalog } from "./model-catalog.ts";
import { ModelService } from "./model.service.ts";
import { OLLAMA_ID, probeOllama } from "./ollama-detect.ts";
import { fromDeclaration, ProviderDirectory, type ProvidersLogger } from "./provider-directory.ts";
import type { ProbeOptions } from "./provider-probe.ts";
import { endpointKey } from "./provider-record.ts";
import { ProviderService } from "./provider.service.ts";
import { ProvidersRepository } from "./providers.repository.ts";
import { registerProvidersRoutes } from "./providers.routes.ts";
import { SdkProviderCache } from "./sdk-providers.ts";
import { tablesOf } from "../../platform/db/database.ts";

/** Dependencies of the providers module. */
export interface ProvidersDeps {
  database: Database;
  secrets: Secrets;
  audit: AuditSink;
  clock: Clock;
  config: {
    /** `PARLEY_PROVIDERS`: read-only in the API. */
    providers: readonly ProviderDeclaration[];
    /** `PARLEY_OLLAMA_URL`, Ollama's root URL. */
    ollamaUrl: string;
    /** `PARLEY_OLLAMA_DETECT`. */
    ollamaDetect: boolean;
  };
  logger: ProvidersLogger;
  /** How long a pod keeps its copy of the stored providers (default 5 s). */
  directoryTtlMs?: number;
  /** Timeout and fetch of `POST /api/v1/providers/:id/test`. */
  probe?: ProbeOptions;
  /** Timeout of the Ollama probe (default 1 s). */
  ollamaTimeoutMs?: number;
}

/** The providers module: the model catalog the AI pipeline calls through, and its admin API. */
export interface ProvidersModule {
  catalog: ModelCatalog;
  providers: ProviderService;
  models: ModelService;
  registerRoutes(app: TypedApp): void;
  /**
   * Looks for Ollama at `ollamaUrl` and offers it as provider `ollama` when it answers (or
   * withdraws it when it no longer does). Does nothing when detection is off or another provider
   * already points there. Never fails because of Ollama.
   */
  detectOllama(): Promise<void>;
}

/**
 * Builds providers and models: configured (`PARLEY_PROVIDERS`), stored (API, keys sealed with
 * AES-256-GCM under `secrets.key("encryption")`) and detected (Ollama) providers, admins'
 * per-model overrides, and the `ModelCatalog`.
 * @throws ConfigError when configured providers repeat an id or an alias.
 * @example
 * const providers = createProvidersModule({ database, secrets, audit, clock, logger, config: {
 *   providers: config.providers, ollamaUrl: config.ollamaUrl, ollamaDetect: config.ollamaDetect } });
 * await providers.detectOllama(); const model = await providers.catalog.resolve("local/llama3.2");
 */
export function createProvidersModule(deps: ProvidersDeps): ProvidersModule {
  checkConfigured(deps.config.providers);
  const repository = new ProvidersRepository(tablesOf(deps.database.db));
  const encryptionKey = deps.secrets.key("encryption");
  const directory = new ProviderDirectory({
    configured: deps.config.providers,
    repository,
    encryptionKey,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.directoryTtlMs === undefined ? {} : { ttlMs: deps.directoryTtlMs }),
  });
  const catalog = new DirectoryModelCatalog({ directory, sdk: new SdkProviderCache() });
  const providers = new ProviderService({
    repository,
    directory,
    encryptionKey,
    audit: deps.audit,
    clock: deps.clock,
    ...(deps.probe ? { probe: deps.probe } : {}),
  });
  const models = new ModelService({ repository, directory, audit: deps.audit, clock: deps.clock });
  const ollamaUrl = deps.config.ollamaUrl.replace(/\/+$/, "");

  return {
    catalog,
    providers,
    models,
    registerRoutes(app) {
      registerProvidersRoutes(app, { providers, models });
    },
    async detectOllama() {
      if (!deps.config.ollamaDetect) return;
      const here = endpointKey(ollamaUrl);
      const { providers: known } = await directory.snapshot();
      const owner = known.find(
        (p) =>
          p.source !== "detected" &&
          (p.id === OLLAMA_ID || (p.baseURL !== null && endpointKey(p.baseURL) === here)),
      );
      if (owner) {
        deps.logger.debug({ provider: owner.id }, "Ollama detection skipped: a provider already serves it");
        return;
      }
      const found = await probeOllama({ url: ollamaUrl, timeoutMs: deps.ollamaTimeoutMs ?? 1_000 });
      if ("error" in found) {
        deps.logger.debug({ url: ollamaUrl, reason: found.error }, "no Ollama detected");
        directory.setDetected(null);
        return;
      }
      deps.logger.info({ url: ollamaUrl, models: found.provider.models.length }, "Ollama detected");
      directory.setDetected(found.provider);
    },
  };
}

function checkConfigured(declared: readonly ProviderDeclaration[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const p of declared) {
    if (seen.has(p.id)) problems.push(`PARLEY_PROVIDERS (providers) declares provider ${p.id} twice`);
    seen.add(p.id);
  }
  for (const c of buildCatalog(declared.map(fromDeclaration), []).conflicts) {
    problems.push(
      `PARLEY_PROVIDERS (providers): alias ${c.alias} of ${c.ignored} is already used by ${c.kept}`,
    );
  }
  if (problems.length > 0)
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`, problems);
}
