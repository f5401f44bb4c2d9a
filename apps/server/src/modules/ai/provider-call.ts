import type { LanguageModelV4, LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { AppError } from "../../kernel/app-error.ts";
import { withTimeout } from "../../platform/timeout.ts";
import type { CatalogModel, ModelCatalog } from "../providers/index.ts";
import type { ChatCall, ChatPart, EmbedCall } from "../../kernel/ai-call.ts";
import type { CircuitBreakers } from "./circuit-breaker.ts";
import { openOpenAiCompatibleStream } from "./openai-compatible-stream.ts";
import { SdkPartStream, type PartStream } from "./provider-stream.ts";
import { backoffMs, classifyUpstreamError } from "./upstream-errors.ts";

/** Retry and timeout policy of provider calls. */
export interface CallPolicy {
  /** Extra attempts per model after the first, before the first token only. */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** From sending the request to the first token. */
  firstTokenMs: number;
  /** Longest silence between two parts once streaming. */
  idleMs: number;
}

/** What provider calls need. */
export interface CallDeps {
  catalog: ModelCatalog;
  breakers: CircuitBreakers;
  policy: CallPolicy;
  /**
   * AI SDK models already built, per catalog model. Building one compiles its stream-chunk
   * schemas, which cost more than the rest of a short call; catalog models are replaced when the
   * provider directory reloads, so a changed URL or key still gets a new instance.
   */
  languageModels?: WeakMap<CatalogModel, LanguageModelV4>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A stream that delivered its first part: from here on nothing is retried. */
export interface OpenedStream {
  model: CatalogModel;
  stream: PartStream;
  /** Parts already read while waiting for the first token. */
  first: ChatPart[];
  ttftMs: number;
  attempts: number;
}

function languageModelOf(model: CatalogModel, deps: CallDeps): LanguageModelV4 {
  const cached = deps.languageModels?.get(model);
  if (cached) return cached;
  const built = deps.catalog.languageModel(model);
  deps.languageModels?.set(model, built);
  return built;
}

/** AI SDK models that can build their request body without sending it (OpenAI-compatible). */
interface PreparesRequests {
  prepareRequest(options: LanguageModelV4CallOptions): PromiseLike<{ body: unknown }>;
}

function preparesRequests(model: LanguageModelV4): model is LanguageModelV4 & PreparesRequests {
  return typeof (model as Partial<PreparesRequests>).prepareRequest === "function";
}

/**
 * Opens the upstream stream: straight from an OpenAI-compatible server when the catalog offers
 * its endpoint (the body still built by the AI SDK model), else through the AI SDK.
 */
async function openStream(
  model: CatalogModel,
  options: LanguageModelV4CallOptions & { abortSignal: AbortSignal },
  deps: CallDeps,
): Promise<PartStream> {
  const sdkModel = languageModelOf(model, deps);
  const endpoint = deps.catalog.directChat(model);
  if (endpoint && preparesRequests(sdkModel)) {
    const { body } = await sdkModel.prepareRequest(options);
    return openOpenAiCompatibleStream(endpoint, body as Record<string, unknown>, {
      signal: options.abortSignal,
      idleMs: deps.policy.idleMs,
      providerId: model.providerId,
    });
  }
  const result = await sdkModel.doStream(options);
  return new SdkPartStream(result.stream, deps.policy.idleMs, model.providerId);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Opens a chat stream on the requested model or, when it keeps failing, on its fallbacks in
 * order. Connection errors, 429, 5xx and timeouts before the first token are retried with
 * backoff; a provider whose circuit is open is skipped; a 4xx is final.
 * @throws the last mapped error, with an `attempts` count attached.
 */
export async function openChatStream(
  call: ChatCall,
  requested: CatalogModel,
  deps: CallDeps,
): Promise<OpenedStream> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const started = now();
  let attempts = 0;
  let lastError: AppError | undefined;
  for (const model of await candidates(requested, deps.catalog)) {
    const breaker = deps.breakers.for(model.providerId);
    if (!breaker.allow()) {
      lastError = new AppError(
        "provider.unavailable",
        `Provider ${model.providerId} is failing; its circuit is open`,
      );
      continue;
    }
    for (let attempt = 1; attempt <= deps.policy.maxRetries + 1; attempt++) {
      attempts++;
      // This attempt's signal: aborted by a failed attempt, or by the caller (forwarded by hand:
      // AbortSignal.any costs a composite signal with weak references per call).
      const controller = new AbortController();
      const outer = call.signal;
      if (outer?.aborted) controller.abort(outer.reason);
      else
        outer?.addEventListener(
          "abort",
          () => {
            controller.abort(outer.reason);
          },
          { once: true },
        );
      const signal = controller.signal;
      let stream: PartStream | undefined;
      try {
        const first = await withTimeout(
          (async () => {
            stream = await openStream(
              model,
              { ...call.options, prompt: call.prompt, abortSignal: signal },
              deps,
            );
            const part = await stream.next();
            if (part === null && !stream.finished) {
              throw new AppError(
                "upstream.incomplete",
                `Provider ${model.providerId} closed the stream before answering`,
              );
            }
            return part;
          })(),
          deps.policy.firstTokenMs,
          `provider ${model.providerId} sent no token within ${deps.policy.firstTokenMs} ms`,
        );
        breaker.success();
        if (!stream) throw new AppError("upstream.error", "No stream");
        return { model, stream, first: first ? [first] : [], ttftMs: now() - started, attempts };
      } catch (error) {
        controller.abort();
        await stream?.cancel();
        if (call.signal?.aborted) throw withAttempts(error, attempts);
        const classified = classifyUpstreamError(error, model.providerId);
        lastError = classified.error;
        if (!classified.retryable) throw withAttempts(classified.error, attempts);
        breaker.failure();
        if (attempt <= deps.policy.maxRetries && breaker.allow()) {
          await sleep(
            backoffMs(attempt, classified.retryAfterMs, deps.policy.backoffBaseMs, deps.policy.backoffMaxMs),
          );
        } else {
          break;
        }
      }
    }
  }
  throw withAttempts(
    lastError ?? new AppError("provider.unavailable", `No provider could serve ${requested.id}`),
    attempts,
  );
}

/** Embeds with the same retry rules (no fallbacks: vectors of another model are not comparable). */
export async function runEmbedding(
  call: EmbedCall,
  model: CatalogModel,
  deps: CallDeps,
): Promise<{ embeddings: number[][]; tokens: number | null; attempts: number }> {
  const sleep = deps.sleep ?? defaultSleep;
  const breaker = deps.breakers.for(model.providerId);
  if (!breaker.allow())
    throw new AppError(
      "provider.unavailable",
      `Provider ${model.providerId} is failing; its circuit is open`,
    );
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const result = await withTimeout(
        Promise.resolve(
          deps.catalog.embeddingModel(model).doEmbed({
            values: call.values,
            ...(call.dimensions ? { dimensions: call.dimensions } : {}),
            ...(call.signal ? { abortSignal: call.signal } : {}),
          }),
        ),
        deps.policy.firstTokenMs,
        `provider ${model.providerId} did not embed within ${deps.policy.firstTokenMs} ms`,
      );
      breaker.success();
      return { embeddings: result.embeddings, tokens: result.usage?.tokens ?? null, attempts };
    } catch (error) {
      const classified = classifyUpstreamError(error, model.providerId);
      if (!classified.retryable) throw withAttempts(classified.error, attempts);
      breaker.failure();
      if (attempts > deps.policy.maxRetries) throw withAttempts(classified.error, attempts);
      await sleep(
        backoffMs(attempts, classified.retryAfterMs, deps.policy.backoffBaseMs, deps.policy.backoffMaxMs),
      );
    }
  }
}

async function candidates(requested: CatalogModel, catalog: ModelCatalog): Promise<CatalogModel[]> {
  const list = [requested];
  for (const id of requested.fallbacks) {
    try {
      const model = await catalog.resolve(id);
      if (model.enabled && !list.some((m) => m.id === model.id)) list.push(model);
    } catch {
      // A fallback that no longer exists or is disabled is skipped.
    }
  }
  return list;
}

function withAttempts(error: unknown, attempts: number): unknown {
  if (typeof error === "object" && error !== null) Object.assign(error, { attempts });
  return error;
}
