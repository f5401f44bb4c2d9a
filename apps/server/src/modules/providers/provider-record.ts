import type { ModelDeclaration, ModelEntry, ProviderSource, ProviderType } from "@parley/contracts";

/**
 * A provider as the module works with it, whatever its source. Holds the API key in plain text:
 * never log it, never return it (see `toProviderView`).
 */
export interface ProviderRecord {
  id: string;
  name: string;
  type: ProviderType;
  baseURL: string | null;
  apiKey: string | null;
  /** True when a stored key exists, even if it could not be decrypted (key rotated). */
  hasApiKey: boolean;
  enabled: boolean;
  models: ModelEntry[];
  source: ProviderSource;
  createdAt: number | null;
  updatedAt: number | null;
}

/** An admin's overrides of one model; null fields keep the provider's declaration. */
export interface ModelOverride {
  providerId: string;
  model: string;
  aliases: string[] | null;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  inputPricePerMTok: number | null;
  outputPricePerMTok: number | null;
  fallbacks: string[] | null;
  enabled: boolean | null;
  imageInput: boolean | null;
  updatedAt: number;
}

/** A model entry in its long form. */
export function declarationOf(entry: ModelEntry): ModelDeclaration {
  return typeof entry === "string" ? { id: entry } : entry;
}

/** `provider/model`, the stable id of a model. */
export function modelIdOf(providerId: string, model: string): string {
  return `${providerId}/${model}`;
}

/** The host and port a base URL points at, with `localhost` forms made equal and `/v1` dropped. */
export function endpointKey(baseURL: string): string | null {
  try {
    const u = new URL(baseURL);
    const host = ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"].includes(u.hostname)
      ? "loopback"
      : u.hostname;
    const port = u.port || (u.protocol === "https:" ? "443" : "80");
    const path = u.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
    return `${u.protocol}//${host}:${port}${path}`;
  } catch {
    return null;
  }
}
