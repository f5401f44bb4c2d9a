import type { ProviderTestResult } from "@parley/contracts";
import { z } from "zod";
import type { ProviderRecord } from "./provider-record.ts";

const DEFAULT_BASE_URL = { openai: "https://api.openai.com/v1", anthropic: "https://api.anthropic.com/v1" };
const ModelList = z.object({ data: z.array(z.object({ id: z.string() }).loose()) });
const MAX_MODELS = 500;

/** Options of a provider test. */
export interface ProbeOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Checks that a provider answers with its credentials by listing its models (`GET <base>/models`,
 * which OpenAI, Anthropic, Ollama, vLLM, llama.cpp, Groq and OpenRouter all serve). Costs no
 * tokens. Error messages never contain the API key.
 * @example
 * const result = await probeProvider(provider); if (!result.ok) console.log(result.error?.message);
 */
export async function probeProvider(
  p: ProviderRecord,
  options: ProbeOptions = {},
): Promise<ProviderTestResult> {
  const base = p.baseURL ?? (p.type === "openai-compatible" ? null : DEFAULT_BASE_URL[p.type]);
  const started = performance.now();
  const result = (ok: boolean, models: string[], error: ProviderTestResult["error"]): ProviderTestResult => ({
    ok,
    latencyMs: Math.round(performance.now() - started),
    models,
    error: error && { code: error.code, message: hideKey(error.message, p.apiKey) },
  });
  if (!base) return result(false, [], { code: "request.invalid", message: "provider has no base URL" });
  const headers: Record<string, string> = { accept: "application/json" };
  if (p.type === "anthropic") {
    headers["anthropic-version"] = "2023-06-01";
    if (p.apiKey) headers["x-api-key"] = p.apiKey;
  } else if (p.apiKey) {
    headers.authorization = `Bearer ${p.apiKey}`;
  }
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(`${base}/models`, {
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    const message = timedOut ? "no answer in time" : describe(error);
    return result(false, [], { code: timedOut ? "upstream.timeout" : "provider.unavailable", message });
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) {
    const code = res.status === 429 ? "upstream.rate_limited" : "upstream.error";
    return result(false, [], { code, message: `HTTP ${res.status}: ${text.slice(0, 300)}` });
  }
  let parsed: z.infer<typeof ModelList> | undefined;
  try {
    parsed = ModelList.parse(JSON.parse(text));
  } catch {
    return result(false, [], {
      code: "upstream.error",
      message: "answer is not a model list ({ data: [{ id }] })",
    });
  }
  return result(true, parsed.data.map((m) => m.id).slice(0, MAX_MODELS), null);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

function hideKey(message: string, apiKey: string | null): string {
  return apiKey ? message.replaceAll(apiKey, "[redacted]") : message;
}
