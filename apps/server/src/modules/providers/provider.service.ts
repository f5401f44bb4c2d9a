import type {
  CreateProviderRequest,
  ModelEntry,
  Provider,
  ProviderTestResult,
  TestProviderRequest,
  UpdateProviderRequest,
} from "@parley/contracts";
import { toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { assertGlobal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import { checkCatalogChange } from "./catalog-checks.ts";
import { sealSecret } from "../../platform/sealed-secret.ts";
import { sealContext, type ProviderDirectory } from "./provider-directory.ts";
import { probeProvider, type ProbeOptions } from "./provider-probe.ts";
import { declarationOf, modelIdOf, type ProviderRecord } from "./provider-record.ts";
import { toProviderView } from "./provider-view.ts";
import { isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import type { ProvidersRepository } from "./providers.repository.ts";

/** Dependencies of the provider service. */
export interface ProviderServiceDeps {
  repository: ProvidersRepository;
  directory: ProviderDirectory;
  /** The AES-256-GCM key stored API keys are sealed with. */
  encryptionKey: Buffer;
  audit: AuditSink;
  clock: Clock;
  probe?: ProbeOptions;
}

/**
 * Providers: lists every source (configuration, API, detection); creates, changes and deletes
 * those made through the API. Configured and detected providers are read-only here (409).
 * API keys are sealed before they are stored and never leave the service.
 */
export class ProviderService {
  readonly #d: ProviderServiceDeps;
  constructor(deps: ProviderServiceDeps) {
    this.#d = deps;
  }

  /** Every provider, sorted by id. */
  async list(ctx: RequestContext): Promise<Provider[]> {
    assertGlobal(ctx, "providers:read");
    const { providers } = await this.#d.directory.snapshot();
    return providers.map(toProviderView).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** @throws AppError `resource.conflict` when the id is taken or an alias clashes. */
  async create(input: CreateProviderRequest, ctx: RequestContext): Promise<Provider> {
    assertGlobal(ctx, "providers:manage");
    this.#d.directory.invalidate();
    if (this.#d.directory.isConfigured(input.id) || (await this.#d.repository.findProvider(input.id))) {
      throw conflict(`Provider ${input.id} already exists`, input.id);
    }
    const now = this.#d.clock.now();
    const record: ProviderRecord = {
      id: input.id,
      name: input.name ?? input.id,
      type: input.type,
      baseURL: input.baseURL ?? null,
      apiKey: input.apiKey ?? null,
      hasApiKey: input.apiKey !== undefined,
      enabled: input.enabled,
      models: input.models,
      source: "api",
      createdAt: now,
      updatedAt: now,
    };
    await this.#checkCatalog(record);
    try {
      await this.#d.repository.insertProvider({
        id: record.id,
        name: record.name,
        type: record.type,
        base_url: record.baseURL,
        api_key_sealed: this.#seal(record.id, record.apiKey),
        enabled: record.enabled ? 1 : 0,
        models: toJson(record.models),
        created_at: now,
        updated_at: now,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`Provider ${input.id} already exists`, input.id, error);
      throw error;
    }
    this.#d.directory.invalidate();
    await this.#audit(ctx, "provider.created", record.id, {
      name: record.name,
      type: record.type,
      baseURL: record.baseURL,
      enabled: record.enabled,
      apiKeySet: record.hasApiKey,
      models: modelNames(record.models),
    });
    return toProviderView(record);
  }

  /** @throws AppError `provider.not_found`, or `resource.conflict` for a read-only provider. */
  async update(id: string, patch: UpdateProviderRequest, ctx: RequestContext): Promise<Provider> {
    assertGlobal(ctx, "providers:manage");
    const current = await this.#editable(id);
    const now = this.#d.clock.now();
    const next: ProviderRecord = {
      ...current,
      name: patch.name ?? current.name,
      enabled: patch.enabled ?? current.enabled,
      baseURL: patch.baseURL === undefined ? current.baseURL : patch.baseURL,
      apiKey: patch.apiKey === undefined ? current.apiKey : patch.apiKey,
      hasApiKey: patch.apiKey === undefined ? current.hasApiKey : patch.apiKey !== null,
      models: patch.models ?? current.models,
      updatedAt: now,
    };
    if (next.type === "openai-compatible" && next.baseURL === null) {
      throw new AppError("validation.failed", "An openai-compatible provider needs a baseURL", {
        details: {
          issues: [{ location: "body", path: "baseURL", message: "is required for type openai-compatible" }],
        },
      });
    }
    await this.#checkCatalog(next);
    const found = await this.#d.repository.updateProvider(id, {
      name: next.name,
      enabled: next.enabled ? 1 : 0,
      base_url: next.baseURL,
      ...(patch.apiKey === undefined ? {} : { api_key_sealed: this.#seal(id, patch.apiKey) }),
      models: toJson(next.models),
      updated_at: now,
    });
    if (!found) throw notFound(id);
    this.#d.directory.invalidate();
    await this.#audit(ctx, "provider.updated", id, {
      ...changed("name", current.name, next.name),
      ...changed("enabled", current.enabled, next.enabled),
      ...changed("baseURL", current.baseURL, next.baseURL),
      ...(patch.models ? { models: modelNames(next.models) } : {}),
      ...(patch.apiKey === undefined ? {} : { apiKeyChanged: true, apiKeySet: next.hasApiKey }),
    });
    return toProviderView(next);
  }

  /** Deletes an API provider and its models' overrides. */
  async remove(id: string, ctx: RequestContext): Promise<void> {
    assertGlobal(ctx, "providers:manage");
    const current = await this.#editable(id);
    if (!(await this.#d.repository.deleteProvider(id))) throw notFound(id);
    this.#d.directory.invalidate();
    await this.#audit(ctx, "provider.deleted", id, { name: current.name, type: current.type });
  }

  /** Lists the upstream's models with the provider's credentials; reports, never throws for the upstream. */
  async test(id: string, ctx: RequestContext): Promise<ProviderTestResult> {
    assertGlobal(ctx, "providers:manage");
    this.#d.directory.invalidate();
    const { providers } = await this.#d.directory.snapshot();
    const provider = providers.find((p) => p.id === id);
    if (!provider) throw notFound(id);
    return probeProvider(provider, this.#d.probe);
  }

  /**
   * Tries a provider that is not added yet: lists its models with the given credentials (what the
   * setup form offers to pick from). Reports, never throws for the upstream; the key is not kept.
   */
  async testUnsaved(input: TestProviderRequest, ctx: RequestContext): Promise<ProviderTestResult> {
    assertGlobal(ctx, "providers:manage");
    return probeProvider(
      {
        id: "unsaved",
        name: "unsaved",
        type: input.type,
        baseURL: input.baseURL ?? null,
        apiKey: input.apiKey ?? null,
        hasApiKey: input.apiKey !== undefined,
        enabled: true,
        models: [],
        source: "api",
        createdAt: null,
        updatedAt: null,
      },
      this.#d.probe,
    );
  }

  /** The current record of an API provider, read fresh. */
  async #editable(id: string): Promise<ProviderRecord> {
    this.#d.directory.invalidate();
    const { providers } = await this.#d.directory.snapshot();
    const found = providers.find((p) => p.id === id);
    if (found && found.source !== "api") {
      const where =
        found.source === "config"
          ? "it is declared in PARLEY_PROVIDERS; change it there"
          : "it was detected; set PARLEY_OLLAMA_DETECT=false or create a provider with the same URL";
      throw conflict(`Provider ${id} is read-only: ${where}`, id);
    }
    if (!found) throw notFound(id);
    return found;
  }

  /** Checks aliases and fallbacks of `record`'s models against every other model. */
  async #checkCatalog(record: ProviderRecord): Promise<void> {
    const { providers, overrides } = await this.#d.directory.snapshot();
    const others = providers.filter((p) => p.id !== record.id);
    const changed = record.models.map((entry) => {
      const d = declarationOf(entry);
      return { id: modelIdOf(record.id, d.id), fallbacks: d.fallbacks ?? [] };
    });
    checkCatalogChange([...others, record], overrides, changed);
  }

  #seal(id: string, apiKey: string | null): string | null {
    return apiKey === null ? null : sealSecret(apiKey, this.#d.encryptionKey, sealContext(id));
  }

  async #audit(ctx: RequestContext, action: string, id: string, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "provider", id },
      summary,
    });
  }
}

function modelNames(models: readonly ModelEntry[]): string[] {
  return models.map((m) => declarationOf(m).id);
}

function changed<T>(field: string, from: T, to: T): Record<string, { from: T; to: T }> {
  return from === to ? {} : { [field]: { from, to } };
}

function notFound(id: string): AppError {
  return new AppError("provider.not_found", `No provider ${id}`, { details: { provider: id } });
}

function conflict(message: string, id: string, cause?: unknown): AppError {
  return new AppError("resource.conflict", message, { details: { provider: id }, cause });
}
