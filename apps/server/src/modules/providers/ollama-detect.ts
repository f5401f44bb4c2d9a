import { z } from "zod";
import type { ProviderRecord } from "./provider-record.ts";

/** The id of a detected Ollama provider; its models are `ollama/<name>`. */
export const OLLAMA_ID = "ollama";

const Tags = z.object({
  models: z.array(z.object({ name: z.string().regex(/^[^\s]{1,200}$/) }).loose()).default([]),
});

/** Options of one detection attempt. */
export interface OllamaProbe {
  /** Ollama's root URL, for example `http://127.0.0.1:11434`. */
  url: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Asks Ollama for its models (`GET /api/tags`) and describes it as an OpenAI-compatible
 * provider (`<url>/v1`). Resolves `{ error }` when nothing answers in time or the answer is not
 * Ollama's; never rejects.
 * @example
 * const ollama = await probeOllama({ url: "http://127.0.0.1:11434" });
 */
export async function probeOllama(
  probe: OllamaProbe,
): Promise<{ provider: ProviderRecord } | { error: string }> {
  const root = probe.url.replace(/\/+$/, "");
  try {
    const res = await (probe.fetch ?? fetch)(`${root}/api/tags`, {
      signal: AbortSignal.timeout(probe.timeoutMs ?? 1_000),
      headers: { accept: "application/json" },
    });
    if (!res.ok) return { error: `HTTP ${res.status}` };
    const tags = Tags.safeParse(await res.json());
    if (!tags.success) return { error: "answer is not a list of Ollama models" };
    const names = [...new Set(tags.data.models.map((m) => m.name))].sort();
    return {
      provider: {
        id: OLLAMA_ID,
        name: "Ollama (detected)",
        type: "openai-compatible",
        baseURL: `${root}/v1`,
        apiKey: null,
        hasApiKey: false,
        enabled: true,
        models: names,
        source: "detected",
        createdAt: null,
        updatedAt: null,
      },
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
