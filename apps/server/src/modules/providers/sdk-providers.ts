import { createHash } from "node:crypto";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { EmbeddingModelV4, LanguageModelV4 } from "@ai-sdk/provider";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { DirectChatEndpoint } from "./model-catalog.ts";
import type { ProviderRecord } from "./provider-record.ts";

/** What the catalog needs from an AI SDK provider instance. */
export interface SdkProvider {
  languageModel(model: string): LanguageModelV4;
  /** Null when the provider type has no embedding models (Anthropic). */
  embeddingModel: ((model: string) => EmbeddingModelV4) | null;
  /** For OpenAI-compatible servers: their chat endpoint and a keep-alive connection pool. */
  directChat: DirectChatEndpoint | null;
}

/**
 * Makes the AI SDK provider for a record. OpenAI models use the Chat Completions API, which
 * every OpenAI model and OpenAI-style proxy serves; OpenAI-compatible servers are asked for
 * token usage in streams (`stream_options.include_usage`), which metering needs.
 */
export function createSdkProvider(p: ProviderRecord): SdkProvider {
  const apiKey = p.apiKey ?? undefined;
  const baseURL = p.baseURL ?? undefined;
  switch (p.type) {
    case "openai": {
      const sdk = createOpenAI({ baseURL, apiKey, name: p.id });
      return {
        languageModel: (m) => sdk.chat(m),
        embeddingModel: (m) => sdk.embeddingModel(m),
        directChat: null,
      };
    }
    case "anthropic": {
      const sdk = createAnthropic({ baseURL, apiKey, name: `${p.id}.messages` });
      return { languageModel: (m) => sdk.languageModel(m), embeddingModel: null, directChat: null };
    }
    case "openai-compatible": {
      const sdk = createOpenAICompatible({
        // Validation guarantees a base URL for this type; an empty one fails at call time.
        baseURL: baseURL ?? "",
        apiKey,
        name: p.id,
        includeUsage: true,
        // Send a JSON schema as `response_format: json_schema` (vLLM, Ollama, LiteLLM, llama.cpp
        // take it) instead of dropping it for bare JSON mode: drafts and /v1 callers rely on it.
        supportsStructuredOutputs: true,
      });
      return {
        languageModel: (m) => sdk.chatModel(m),
        embeddingModel: (m) => sdk.embeddingModel(m),
        directChat: baseURL ? directChatEndpoint(baseURL, apiKey ?? null) : null,
      };
    }
  }
}

/**
 * The chat endpoint under `baseURL` (as the AI SDK forms it) with its own keep-alive pool. Idle
 * pooled connections are closed by the server's keep-alive timeout; an agent replaced with its
 * provider is simply dropped.
 */
function directChatEndpoint(baseURL: string, apiKey: string | null): DirectChatEndpoint | null {
  let url: URL;
  try {
    url = new URL(`${baseURL.replace(/\/+$/, "")}/chat/completions`);
  } catch {
    return null;
  }
  const Agent = url.protocol === "https:" ? HttpsAgent : HttpAgent;
  return { url, apiKey, agent: new Agent({ keepAlive: true, scheduling: "lifo" }) };
}

/** What makes two records need different SDK instances. */
function fingerprint(p: ProviderRecord): string {
  return createHash("sha256")
    .update(JSON.stringify([p.type, p.baseURL, p.apiKey]))
    .digest("base64url");
}

/**
 * SDK provider instances by provider id, rebuilt when the provider's type, URL or key changes.
 * Instances hold no connections of their own (they use the global fetch), so a replaced one
 * needs no cleanup.
 */
export class SdkProviderCache {
  readonly #entries = new Map<string, { fingerprint: string; sdk: SdkProvider }>();

  /** The instance for `p`, built on first use and after each change. */
  get(p: ProviderRecord): SdkProvider {
    const fp = fingerprint(p);
    const cached = this.#entries.get(p.id);
    if (cached?.fingerprint === fp) return cached.sdk;
    const sdk = createSdkProvider(p);
    this.#entries.set(p.id, { fingerprint: fp, sdk });
    return sdk;
  }

  /** Forgets providers that no longer exist. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#entries.keys()) if (!ids.has(id)) this.#entries.delete(id);
  }
}
