import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { RateLimiter } from "../../platform/rate-limit/rate-limit.port.ts";
import { consumePrincipalLimit, rateLimitError, type RoleRateLimits } from "../identity/identity.module.ts";
import { can, type Principal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { CatalogModel, ModelCatalog } from "../providers/model-catalog.ts";
import type { UsageService } from "../usage/usage.service.ts";
import type { AiStage, ChatCall, ChatPart, EmbedCall, PostCheck, PreCheck, TokenUsage } from "./ai.types.ts";
import { CircuitBreakers } from "./circuit-breaker.ts";
import { openChatStream, runEmbedding, type CallPolicy, type OpenedStream } from "./provider-call.ts";
import { classifyUpstreamError } from "./upstream-errors.ts";

/** Dependencies of the AI pipeline. */
export interface AiPipelineDeps {
  catalog: ModelCatalog;
  limiter: RateLimiter;
  rateLimits: RoleRateLimits;
  usage: UsageService;
  audit: AuditSink;
  clock: Clock;
  logger: Logger;
  preChecks?: PreCheck[];
  postChecks?: PostCheck[];
  policy?: Partial<CallPolicy>;
}

/** A chat call in flight: read `parts` to the end (or `return()` early to cancel). */
export interface ChatRun {
  /** The model that answers (a fallback when the requested one failed). */
  readonly model: CatalogModel;
  readonly requestedModel: CatalogModel;
  readonly parts: AsyncGenerator<ChatPart, void, undefined>;
  /** The stages run so far, in order. */
  stages(): AiStage[];
}

/** The result of an embedding call. */
export interface EmbedResult {
  model: CatalogModel;
  embeddings: number[][];
  inputTokens: number;
  stages: AiStage[];
}

const DEFAULT_POLICY: CallPolicy = {
  maxRetries: 2,
  backoffBaseMs: 200,
  backoffMaxMs: 5_000,
  firstTokenMs: 60_000,
  idleMs: 60_000,
};

/**
 * The one path every AI call takes, whatever the surface: authorize → rate limit → pre-checks →
 * provider call (retries before the first token, circuit breaker, fallbacks) → post-checks →
 * metering → audit.
 */
export class AiPipeline {
  readonly #d: AiPipelineDeps;
  readonly #policy: CallPolicy;
  readonly #breakers: CircuitBreakers;
  readonly #languageModels = new WeakMap<CatalogModel, LanguageModelV4>();

  constructor(deps: AiPipelineDeps) {
    this.#d = deps;
    this.#policy = { ...DEFAULT_POLICY, ...deps.policy };
    this.#breakers = new CircuitBreakers({
      failureThreshold: 5,
      openMs: 30_000,
      now: () => deps.clock.now(),
    });
  }

  /**
   * Starts a chat call. Resolves once the first token (or tool call) arrived, so every failure
   * that can still fall back or be retried has been handled; later failures end `parts` with an
   * error and are never retried.
   */
  async streamChat(call: ChatCall, ctx: RequestContext): Promise<ChatRun> {
    const trace: AiStage[] = [];
    const started = this.#d.clock.now();
    const principal = this.#authorize(ctx, call);
    const requested = await this.#d.catalog.resolve(call.model);
    trace.push("authorize");
    await this.#limit(principal);
    trace.push("rate_limit");
    const promptText = call.prompt
      .map((m) =>
        typeof m.content === "string"
          ? m.content
          : m.content.map((p) => ("text" in p ? p.text : "")).join(""),
      )
      .join("\n");
    await this.#preChecks({ surface: call.surface, model: requested.id, text: promptText }, requested, ctx);
    trace.push("pre_checks");
    trace.push("provider_call");
    let opened: OpenedStream;
    try {
      opened = await openChatStream(call, requested, {
        catalog: this.#d.catalog,
        breakers: this.#breakers,
        policy: this.#policy,
        languageModels: this.#languageModels,
        now: () => this.#d.clock.now(),
      });
    } catch (error) {
      const attempts = (error as { attempts?: number }).attempts ?? 1;
      const mapped = call.signal?.aborted ? null : classifyUpstreamError(error, requested.providerId).error;
      await this.#settle(trace, ctx, call, requested, principal, {
        outcome: mapped ? "failure" : "cancelled",
        errorCode: mapped?.code ?? null,
        usage: { inputTokens: 0, outputTokens: 0 },
        ttftMs: null,
        durationMs: this.#d.clock.now() - started,
        attempts,
        operation: "chat",
      });
      throw mapped ?? new AppError("upstream.error", "The call was cancelled before the first token");
    }

    const parts = this.#parts({ call, ctx, opened, requested, principal, trace, started, promptText });
    return { model: opened.model, requestedModel: requested, parts, stages: () => [...trace] };
  }

  /** The answer's parts; ending them, however, runs post-checks, metering and audit. */
  async *#parts(run: {
    call: ChatCall;
    ctx: RequestContext;
    opened: OpenedStream;
    requested: CatalogModel;
    principal: Principal;
    trace: AiStage[];
    started: number;
    promptText: string;
  }): AsyncGenerator<ChatPart, void, undefined> {
    const { call, ctx, opened, requested, principal, trace, started, promptText } = run;
    let text = "";
    let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    let outcome: "success" | "failure" | "cancelled" = "cancelled";
    let errorCode: string | null = null;
    try {
      let part: ChatPart | null;
      const buffered = [...opened.first];
      while ((part = buffered.shift() ?? (await opened.stream.next())) !== null) {
        if (part.type === "text") text += part.delta;
        if (part.type === "finish") usage = part.usage;
        yield part;
      }
      if (!opened.stream.finished) {
        throw new AppError(
          "upstream.incomplete",
          `Provider ${opened.model.providerId} ended the stream without finishing the answer`,
        );
      }
      trace.push("post_checks");
      for (const check of this.#d.postChecks ?? [])
        await check.check({ text, model: opened.model.id, surface: call.surface }, ctx);
      outcome = "success";
    } catch (error) {
      const mapped = call.signal?.aborted
        ? null
        : classifyUpstreamError(error, opened.model.providerId).error;
      outcome = mapped ? "failure" : "cancelled";
      errorCode = mapped?.code ?? null;
      if (mapped) throw mapped;
    } finally {
      await opened.stream.cancel();
      if (usage.inputTokens === 0 && usage.outputTokens === 0) usage = estimateUsage(promptText, text);
      await this.#settle(trace, ctx, call, opened.model, principal, {
        outcome,
        errorCode,
        usage,
        ttftMs: opened.ttftMs,
        durationMs: this.#d.clock.now() - started,
        attempts: opened.attempts,
        operation: "chat",
        ...(opened.model.id !== requested.id ? { fallbackFrom: requested.id } : {}),
      });
    }
  }

  /** Embeds `values` through the same stages. */
  async embed(call: EmbedCall, ctx: RequestContext): Promise<EmbedResult> {
    const trace: AiStage[] = [];
    const started = this.#d.clock.now();
    const principal = this.#authorize(ctx, call);
    const model = await this.#d.catalog.resolve(call.model);
    trace.push("authorize");
    await this.#limit(principal);
    trace.push("rate_limit");
    await this.#preChecks(
      { surface: call.surface, model: model.id, text: call.values.join("\n") },
      model,
      ctx,
    );
    trace.push("pre_checks");
    trace.push("provider_call");
    try {
      const result = await runEmbedding(call, model, {
        catalog: this.#d.catalog,
        breakers: this.#breakers,
        policy: this.#policy,
      });
      trace.push("post_checks");
      const inputTokens = result.tokens ?? Math.ceil(call.values.join("").length / 4);
      await this.#settle(trace, ctx, call, model, principal, {
        outcome: "success",
        errorCode: null,
        usage: { inputTokens, outputTokens: 0 },
        ttftMs: null,
        durationMs: this.#d.clock.now() - started,
        attempts: result.attempts,
        operation: "embedding",
      });
      return { model, embeddings: result.embeddings, inputTokens, stages: [...trace] };
    } catch (error) {
      const mapped = classifyUpstreamError(error, model.providerId).error;
      await this.#settle(trace, ctx, call, model, principal, {
        outcome: "failure",
        errorCode: mapped.code,
        usage: { inputTokens: 0, outputTokens: 0 },
        ttftMs: null,
        durationMs: this.#d.clock.now() - started,
        attempts: (error as { attempts?: number }).attempts ?? 1,
        operation: "embedding",
      });
      throw mapped;
    }
  }

  /** The caller, if it may use AI for the call's team (or its own account). */
  #authorize(ctx: RequestContext, call: Pick<ChatCall, "teamId">): Principal {
    const principal = ctx.principal;
    if (!principal) throw new AppError("auth.required", "AI calls need a signed-in user or an API key");
    if (!can(principal, "ai:use", teamOf(call, principal))) {
      throw new AppError("auth.forbidden", "This needs the ai:use permission", {
        details: { permission: "ai:use" },
      });
    }
    return principal;
  }

  async #limit(principal: Principal): Promise<void> {
    const decision = await consumePrincipalLimit(this.#d.limiter, this.#d.rateLimits, principal, "ai");
    if (!decision.allowed) throw rateLimitError(decision, principal, "ai");
  }

  async #preChecks(
    input: Parameters<PreCheck["check"]>[0],
    model: CatalogModel,
    ctx: RequestContext,
  ): Promise<void> {
    // Built in: a prompt that cannot fit the model's context window is refused before any cost.
    const estimated = Math.ceil(input.text.length / 4);
    if (model.contextWindow !== null && estimated > model.contextWindow) {
      throw new AppError(
        "prompt.too_large",
        `The prompt (~${estimated} tokens) exceeds ${model.id}'s context window of ${model.contextWindow}`,
        {
          details: { estimatedTokens: estimated, contextWindow: model.contextWindow },
        },
      );
    }
    for (const check of this.#d.preChecks ?? []) await check.check(input, ctx);
  }

  /** Metering, then audit: both always run, whatever the outcome. */
  async #settle(
    trace: AiStage[],
    ctx: RequestContext,
    call: Pick<ChatCall, "surface" | "teamId">,
    model: CatalogModel,
    principal: Principal,
    result: {
      outcome: "success" | "failure" | "cancelled";
      errorCode: string | null;
      usage: TokenUsage;
      ttftMs: number | null;
      durationMs: number;
      attempts: number;
      operation: "chat" | "embedding";
      fallbackFrom?: string;
    },
  ): Promise<void> {
    const price = model.price;
    const cost = price
      ? (result.usage.inputTokens * price.inputPerMTok + result.usage.outputTokens * price.outputPerMTok) /
        1_000_000
      : 0;
    const teamId = teamOf(call, principal);
    const surface = call.surface;
    trace.push("metering");
    try {
      await this.#d.usage.record({
        surface,
        operation: result.operation,
        userId: principal.userId,
        teamId,
        apiKeyId: principal.apiKey?.id ?? null,
        modelId: model.id,
        providerId: model.providerId,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        cost,
        ttftMs: result.ttftMs,
        durationMs: result.durationMs,
        outcome: result.outcome,
        errorCode: result.errorCode,
        attempts: result.attempts,
        requestId: ctx.requestId,
      });
    } catch (err) {
      this.#d.logger.error({ err }, "could not record usage");
    }
    trace.push("audit");
    try {
      await this.#d.audit.record({
        ...auditOrigin(ctx),
        action: result.operation === "chat" ? "ai.chat" : "ai.embed",
        outcome: result.outcome === "success" ? "success" : "failure",
        target: { type: "model", id: model.id },
        teamId,
        summary: {
          surface,
          stages: [...trace],
          inputTokens: result.usage.inputTokens,
          outputTokens: result.usage.outputTokens,
          attempts: result.attempts,
          outcome: result.outcome,
          ...(result.errorCode ? { errorCode: result.errorCode } : {}),
          ...(result.fallbackFrom ? { fallbackFrom: result.fallbackFrom } : {}),
        },
      });
    } catch (err) {
      this.#d.logger.error({ err }, "could not audit an AI call");
    }
  }
}

function estimateUsage(prompt: string, answer: string): TokenUsage {
  return { inputTokens: Math.ceil(prompt.length / 4), outputTokens: Math.ceil(answer.length / 4) };
}

/** The team an AI call is made for and metered to: the call's, a team-bound key's, or none. */
function teamOf(call: Pick<ChatCall, "teamId">, principal: Principal): string | null {
  return call.teamId ?? principal.apiKey?.teamId ?? null;
}
