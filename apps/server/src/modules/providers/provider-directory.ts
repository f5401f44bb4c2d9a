import { ModelEntry, ProviderType, type ProviderDeclaration } from "@parley/contracts";
import { z } from "zod";
import { fromJson } from "../../db/json.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { buildCatalog, type BuiltCatalog } from "./catalog-build.ts";
import { openSecret } from "../../platform/sealed-secret.ts";
import { endpointKey, type ModelOverride, type ProviderRecord } from "./provider-record.ts";
import type { ModelSettingsRow, ProviderRow, ProvidersRepository } from "./providers.repository.ts";

/** How long a pod trusts its copy of the stored providers before reading them again. */
export const DIRECTORY_TTL_MS = 5_000;

/** Log lines the directory writes; never with secrets. */
export interface ProvidersLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Every provider and model as one pod sees them at one moment. */
export interface DirectorySnapshot {
  /** Configured first, then stored, then detected; ids unique. */
  providers: ProviderRecord[];
  overrides: ModelOverride[];
  catalog: BuiltCatalog;
}

/** Dependencies of the provider directory. */
export interface ProviderDirectoryDeps {
  configured: readonly ProviderDeclaration[];
  repository: ProvidersRepository;
  /** The AES-256-GCM key of stored API keys. */
  encryptionKey: Buffer;
  clock: Clock;
  logger: ProvidersLogger;
  ttlMs?: number;
}

const ModelEntries = z.array(ModelEntry);
const StringList = z.array(z.string());

/**
 * Merges the three sources of providers (configuration, database, Ollama detection) and keeps
 * the result for a short TTL. Writes on this pod call `invalidate()`; other pods see them
 * within `ttlMs` (stored providers are re-read then), so no pod keeps stale credentials for long.
 */
export class ProviderDirectory {
  readonly #d: ProviderDirectoryDeps;
  readonly #configured: ProviderRecord[];
  readonly #ttlMs: number;
  #detected: ProviderRecord | null = null;
  #current: { snapshot: DirectorySnapshot; loadedAt: number } | null = null;
  #loading: Promise<DirectorySnapshot> | null = null;
  #generation = 0;
  /** The newest snapshot loaded, kept across invalidations for synchronous lookups. */
  #latest: { snapshot: DirectorySnapshot; seq: number } | null = null;
  #loads = 0;
  /** Problems already logged: each reload would otherwise repeat them every few seconds. */
  readonly #reported = new Set<string>();

  constructor(deps: ProviderDirectoryDeps) {
    this.#d = deps;
    this.#ttlMs = deps.ttlMs ?? DIRECTORY_TTL_MS;
    this.#configured = deps.configured.map(fromDeclaration);
  }

  /** The providers as of at most `ttlMs` ago (concurrent callers share one load). */
  async snapshot(): Promise<DirectorySnapshot> {
    const current = this.#current;
    if (current && this.#d.clock.now() - current.loadedAt < this.#ttlMs) return current.snapshot;
    if (!this.#loading) {
      const loading = this.#load().finally(() => {
        if (this.#loading === loading) this.#loading = null;
      });
      this.#loading = loading;
    }
    return this.#loading;
  }

  /** The last loaded snapshot without waiting, for synchronous lookups; null before the first load. */
  latest(): DirectorySnapshot | null {
    return this.#latest?.snapshot ?? null;
  }

  /** Makes the next `snapshot()` read the database again. */
  invalidate(): void {
    this.#generation += 1;
    this.#current = null;
    // A load already under way may predate the write: later callers start a new one.
    this.#loading = null;
  }

  /** Sets (or, with null, removes) the detected Ollama provider. */
  setDetected(provider: ProviderRecord | null): void {
    this.#detected = provider;
    this.invalidate();
  }

  /** Whether a configured provider has this id. */
  isConfigured(id: string): boolean {
    return this.#configured.some((p) => p.id === id);
  }

  async #load(): Promise<DirectorySnapshot> {
    const generation = this.#generation;
    const seq = ++this.#loads;
    const [rows, settings] = await Promise.all([
      this.#d.repository.listProviders(),
      this.#d.repository.listModelSettings(),
    ]);
    const providers = [...this.#configured];
    const taken = new Set(providers.map((p) => p.id));
    for (const row of rows) {
      if (taken.has(row.id)) {
        this.#report(
          "warn",
          `hidden:${row.id}`,
          { provider: row.id },
          "stored provider hidden by a configured one",
        );
        continue;
      }
      taken.add(row.id);
      providers.push(this.#fromRow(row));
    }
    const detected = this.#detected;
    if (detected && !taken.has(detected.id) && !pointsAtSameServer(providers, detected))
      providers.push(detected);

    const overrides = settings.map(fromSettingsRow);
    const catalog = buildCatalog(providers, overrides);
    for (const c of catalog.conflicts) {
      this.#report("warn", `alias:${c.alias}:${c.ignored}`, { ...c }, "model alias already taken; ignored");
    }
    const snapshot: DirectorySnapshot = { providers, overrides, catalog };
    // A write during the load invalidated it: serve it to this caller but do not keep it.
    if (generation === this.#generation) this.#current = { snapshot, loadedAt: this.#d.clock.now() };
    if (!this.#latest || this.#latest.seq < seq) this.#latest = { snapshot, seq };
    return snapshot;
  }

  #report(level: "warn" | "error", key: string, fields: object, message: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#d.logger[level](fields, message);
  }

  #fromRow(row: ProviderRow): ProviderRecord {
    let apiKey: string | null = null;
    if (row.api_key_sealed !== null) {
      try {
        apiKey = openSecret(row.api_key_sealed, this.#d.encryptionKey, sealContext(row.id));
      } catch (error) {
        this.#report(
          "error",
          `sealed:${row.id}:${row.updated_at}`,
          { provider: row.id, err: error },
          "stored API key does not decrypt (was PARLEY_SECRET_KEY changed?); set the key again",
        );
      }
    }
    return {
      id: row.id,
      name: row.name,
      type: ProviderType.parse(row.type),
      baseURL: row.base_url,
      apiKey,
      hasApiKey: row.api_key_sealed !== null,
      enabled: Boolean(row.enabled),
      models: ModelEntries.parse(fromJson(row.models)),
      source: "api",
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

/** The associated data a provider's sealed key is bound to. */
export function sealContext(providerId: string): string {
  return `provider:${providerId}`;
}

/** A declaration from `PARLEY_PROVIDERS` as a record. */
export function fromDeclaration(p: ProviderDeclaration): ProviderRecord {
  return {
    id: p.id,
    name: p.name ?? p.id,
    type: p.type,
    baseURL: p.baseURL ?? null,
    apiKey: p.apiKey ?? null,
    hasApiKey: p.apiKey !== undefined,
    enabled: p.enabled,
    models: p.models,
    source: "config",
    createdAt: null,
    updatedAt: null,
  };
}

function fromSettingsRow(row: ModelSettingsRow): ModelOverride {
  const list = (v: unknown) => (v === null ? null : StringList.parse(fromJson(v)));
  return {
    providerId: row.provider_id,
    model: row.model,
    aliases: list(row.aliases),
    contextWindow: row.context_window,
    maxOutputTokens: row.max_output_tokens,
    inputPricePerMTok: row.input_price_per_mtok,
    outputPricePerMTok: row.output_price_per_mtok,
    fallbacks: list(row.fallbacks),
    enabled: row.enabled === null ? null : Boolean(row.enabled),
    imageInput: row.image_input === null ? null : Boolean(row.image_input),
    updatedAt: row.updated_at,
  };
}

function pointsAtSameServer(providers: readonly ProviderRecord[], detected: ProviderRecord): boolean {
  const key = detected.baseURL ? endpointKey(detected.baseURL) : null;
  return providers.some((p) => p.baseURL !== null && endpointKey(p.baseURL) === key);
}
