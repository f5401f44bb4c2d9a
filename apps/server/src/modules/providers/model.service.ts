import type { Model, ModelListQuery, UpdateModelRequest } from "@parley/contracts";
import { toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { assertGlobal, can } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import { checkCatalogChange } from "./catalog-checks.ts";
import type { ProviderDirectory } from "./provider-directory.ts";
import { modelIdOf, type ModelOverride } from "./provider-record.ts";
import { toModelView } from "./provider-view.ts";
import type { ProvidersRepository } from "./providers.repository.ts";

/** Dependencies of the model service. */
export interface ModelServiceDeps {
  repository: ProvidersRepository;
  directory: ProviderDirectory;
  audit: AuditSink;
  clock: Clock;
}

/**
 * The model list users choose from, and the admins' per-model settings (aliases, prices,
 * limits, fallbacks, enabled) for models of any provider.
 */
export class ModelService {
  readonly #d: ModelServiceDeps;
  constructor(deps: ModelServiceDeps) {
    this.#d = deps;
  }

  /**
   * Enabled models, sorted by id; with `all`, disabled ones too.
   * @throws AppError `auth.forbidden` when `all` is asked without `providers:read`.
   */
  async list(query: ModelListQuery, ctx: RequestContext): Promise<Model[]> {
    if (query.all && !(ctx.principal && can(ctx.principal, "providers:read", null))) {
      throw new AppError("auth.forbidden", "Listing disabled models needs providers:read");
    }
    const { catalog } = await this.#d.directory.snapshot();
    return catalog.models.filter((m) => query.all || m.enabled).map(toModelView);
  }

  /**
   * Changes the overrides of one model; `null` returns a field to the provider's declaration.
   * @throws AppError `provider.not_found`, `model.not_found`, `resource.conflict` (alias taken),
   * `validation.failed` (unknown fallback).
   */
  async update(
    providerId: string,
    model: string,
    patch: UpdateModelRequest,
    ctx: RequestContext,
  ): Promise<Model> {
    assertGlobal(ctx, "providers:manage");
    const id = modelIdOf(providerId, model);
    this.#d.directory.invalidate();
    const { providers, overrides, catalog } = await this.#d.directory.snapshot();
    if (!providers.some((p) => p.id === providerId)) {
      throw new AppError("provider.not_found", `No provider ${providerId}`, {
        details: { provider: providerId },
      });
    }
    if (!catalog.byId.has(id))
      throw new AppError("model.not_found", `No model ${id}`, { details: { model: id } });

    const now = this.#d.clock.now();
    const before = overrides.find((o) => o.providerId === providerId && o.model === model);
    const base = before ?? emptyOverride(providerId, model);
    const keep = <T>(value: T | undefined, current: T): T => (value === undefined ? current : value);
    const next: ModelOverride = {
      providerId,
      model,
      aliases: keep(patch.aliases, base.aliases),
      contextWindow: keep(patch.contextWindow, base.contextWindow),
      maxOutputTokens: keep(patch.maxOutputTokens, base.maxOutputTokens),
      inputPricePerMTok: keep(patch.inputPricePerMTok, base.inputPricePerMTok),
      outputPricePerMTok: keep(patch.outputPricePerMTok, base.outputPricePerMTok),
      fallbacks: keep(patch.fallbacks, base.fallbacks),
      enabled: keep(patch.enabled, base.enabled),
      imageInput: keep(patch.imageInput, base.imageInput),
      updatedAt: now,
    };
    // JSON bodies have no undefined values: every key present is a change.
    const changes: Record<string, unknown> = { ...patch };
    const others = overrides.filter((o) => o !== before);
    checkCatalogChange(providers, [...others, next], [{ id, fallbacks: patch.fallbacks ?? [] }]);

    await this.#d.repository.upsertModelSettings({
      provider_id: providerId,
      model,
      aliases: next.aliases === null ? null : toJson(next.aliases),
      context_window: next.contextWindow,
      max_output_tokens: next.maxOutputTokens,
      input_price_per_mtok: next.inputPricePerMTok,
      output_price_per_mtok: next.outputPricePerMTok,
      fallbacks: next.fallbacks === null ? null : toJson(next.fallbacks),
      enabled: next.enabled === null ? null : next.enabled ? 1 : 0,
      image_input: next.imageInput === null ? null : next.imageInput ? 1 : 0,
      updated_at: now,
    });
    this.#d.directory.invalidate();
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "model.updated",
      outcome: "success",
      target: { type: "model", id },
      summary: { changes },
    });
    const updated = (await this.#d.directory.snapshot()).catalog.byId.get(id);
    if (!updated) throw new AppError("model.not_found", `No model ${id}`, { details: { model: id } });
    return toModelView(updated);
  }
}

function emptyOverride(providerId: string, model: string): ModelOverride {
  return {
    providerId,
    model,
    aliases: null,
    contextWindow: null,
    maxOutputTokens: null,
    inputPricePerMTok: null,
    outputPricePerMTok: null,
    fallbacks: null,
    enabled: null,
    imageInput: null,
    updatedAt: 0,
  };
}
