import type { LanguageModelV4 } from "@ai-sdk/provider";
import { aiTopics, AI_CALL_SETTLED } from "@parley/contracts";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import { can, type Principal, boundTeam } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { CatalogModel, ModelCatalog } from "../providers/index.ts";
import type { AiMetrics } from "./ai.metrics.ts";
import type { ChatCall, ChatPart, EmbedCall, GroundingSource, TokenUsage } from "../../kernel/ai-call.ts";
import type { PipelineStage, StageCall, StageContext } from "../../kernel/ai-stage.ts";
import { CircuitBreakers } from "./circuit-breaker.ts";
import { promptText } from "./context-window.stage.ts";
import { openChatStream, runEmbedding, type CallPolicy, type OpenedStream } from "./provider-call.ts";
import { settledEvent } from "./settled-event.ts";
import { StageRunner, type OpenSettlement, type TextPipe } from "./stage-runner.ts";
import { classifyUpstreamError } from "./upstream-errors.ts";

/** Dependencies of the AI pipeline. */
export interface AiPipelineDeps {
  catalog: ModelCatalog;
  /**
   * The stages modules contribute, in order (see {@link PipelineStage} for what order means); a
   * function when they are known only once every module is built (read at the first call).
   */
  stages: readonly PipelineStage[] | (() => readonly PipelineStage[]);
  clock: Clock;
  logger: Logger;
  /** Where `ai.call.settled` is published (the bus's pub/sub); without it, nowhere. */
  events?: Pick<TypedBus, "publish">;
  metrics?: AiMetrics;
  policy?: Partial<CallPolicy>;
}

/** A chat call in flight: read `parts` to the end (or `return()` early to cancel). */
export interface ChatRun {
  /** The model that answers (a fallback when the requested one failed). */
  readonly model: CatalogModel;
  readonly requestedModel: CatalogModel;
  /** The knowledge passages the answer is given with, numbered as it cites them (often none). */
  readonly sources: readonly GroundingSource[];
  readonly parts: AsyncGenerator<ChatPart, void, undefined>;
  /** The steps and stages run so far, in order. */
  stages(): string[];
}

/** The result of an embedding call. */
export interface EmbedResult {
  model: CatalogModel;
  embeddings: number[][];
  inputTokens: number;
  stages: string[];
}

const DEFAULT_POLICY: CallPolicy = {
  maxRetries: 2,
  backoffBaseMs: 200,
  backoffMaxMs: 5_000,
  firstTokenMs: 60_000,
  idleMs: 60_000,
};

/** How a call ended, before pricing: what the pipeline measured. */
interface Ending {
  outcome: "success" | "failure" | "cancelled";
  error: AppError | null;
  refusedBy?: string;
  usage: TokenUsage;
  model: CatalogModel;
  ttftMs: number | null;
  attempts: number;
}

/** One call's bookkeeping from authorization to settlement. */
interface Run {
  ctx: StageContext;
  started: number;
  trace: string[];
  errors: OpenSettlement["stageErrors"];
  /** Stages whose `after` runs (see `StageRunner.before`). */
  entered: number;
}

/**
 * The one path every AI call takes, whatever the surface: authorize (fixed) → the stages'
 * `before` in order → provider call (retries before the first token, circuit breaker, fallbacks),
 * its text through the stages' filters → the stages' `after` in reverse order → `ai.call.settled`.
 * Rate limits, metering and audit are stages (ADR 0016).
 */
export class AiPipeline {
  readonly #d: AiPipelineDeps;
  readonly #policy: CallPolicy;
  readonly #breakers: CircuitBreakers;
  #stageRunner: StageRunner | null = null;
  readonly #languageModels = new WeakMap<CatalogModel, LanguageModelV4>();

  get #runner(): StageRunner {
    if (!this.#stageRunner) {
      const { stages, logger, metrics } = this.#d;
      this.#stageRunner = new StageRunner(typeof stages === "function" ? stages() : stages, logger, metrics);
    }
    return this.#stageRunner;
  }

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
   * @throws AppError: a stage's refusal, or the provider call's failure.
   */
  async streamChat(call: ChatCall, ctx: RequestContext): Promise<ChatRun> {
    const { run, requested } = await this.#start(call, ctx, "chat");
    const staged: StageCall = { ...call, operation: "chat" };
    const entry = await this.#runner.before(staged, run.ctx, run.trace, run.errors);
    run.entered = entry.entered;
    if (entry.refusal) throw await this.#refuse(run, requested, entry.refusal);
    const filters = this.#runner.filters(entry.call, run.ctx, run.errors);
    if (filters.refusal) throw await this.#refuse(run, requested, filters.refusal);
    // A copy only when a stage amended the call.
    const amended =
      entry.call === staged || entry.call.operation !== "chat"
        ? call
        : {
            ...call,
            prompt: entry.call.prompt,
            options: entry.call.options,
            ...(entry.call.sources ? { sources: entry.call.sources } : {}),
          };
    run.trace.push("provider_call");
    let opened: OpenedStream;
    try {
      opened = await openChatStream(amended, requested, {
        catalog: this.#d.catalog,
        breakers: this.#breakers,
        policy: this.#policy,
        languageModels: this.#languageModels,
        now: () => this.#d.clock.now(),
      });
    } catch (error) {
      const mapped = call.signal?.aborted ? null : classifyUpstreamError(error, requested.providerId).error;
      await this.#settle(run, requested, {
        outcome: mapped ? "failure" : "cancelled",
        error: mapped,
        usage: { inputTokens: 0, outputTokens: 0 },
        model: requested,
        ttftMs: null,
        attempts: (error as { attempts?: number }).attempts ?? 1,
      });
      throw mapped ?? new AppError("upstream.error", "The call was cancelled before the first token");
    }
    const parts = this.#parts(run, amended, opened, requested, filters.pipe);
    return {
      model: opened.model,
      requestedModel: requested,
      sources: amended.sources ?? [],
      parts,
      stages: () => [...run.trace],
    };
  }

  /** The answer's parts, through the stages' filters; ending them, however, settles the call. */
  async *#parts(
    run: Run,
    call: ChatCall,
    opened: OpenedStream,
    requested: CatalogModel,
    pipe: TextPipe | null,
  ): AsyncGenerator<ChatPart, void, undefined> {
    let text = "";
    let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    let outcome: Ending["outcome"] = "cancelled";
    let failure: AppError | null = null;
    try {
      let part: ChatPart | null;
      const buffered = [...opened.first];
      const checksTools = pipe?.checksToolCalls ?? false;
      while ((part = buffered.shift() ?? (await opened.stream.next())) !== null) {
        if (part.type === "text") {
          text += part.delta;
          // Without filters (the fast path) the part goes out as it came.
          if (pipe !== null) {
            const pushed = pipe.push(part.delta);
            const released = typeof pushed === "string" ? pushed : await pushed;
            if (released === "") continue;
            if (released !== part.delta) part = { type: "text", delta: released };
          }
        } else if (checksTools && part.type === "tool-call-delta") {
          // Held: the arguments go out whole once checked (below).
          continue;
        } else if (checksTools && pipe !== null && part.type === "tool-call") {
          const input = await pipe.toolInput(part.input);
          yield { type: "tool-call-delta", id: part.id, delta: input };
          part = { ...part, input };
        } else if (part.type === "finish") {
          usage = part.usage;
          // The text held back goes out before the finish; a stream cut before it releases none.
          const rest = pipe === null ? "" : await pipe.flush();
          if (rest !== "") yield { type: "text", delta: rest };
        }
        yield part;
      }
      if (!opened.stream.finished) {
        throw new AppError(
          "upstream.incomplete",
          `Provider ${opened.model.providerId} ended the stream without finishing the answer`,
        );
      }
      outcome = "success";
    } catch (error) {
      failure = call.signal?.aborted ? null : classifyUpstreamError(error, opened.model.providerId).error;
      outcome = failure ? "failure" : "cancelled";
      if (failure) throw failure;
    } finally {
      await opened.stream.cancel();
      if (usage.inputTokens === 0 && usage.outputTokens === 0) {
        usage = {
          inputTokens: Math.ceil(promptText(call.prompt).length / 4),
          outputTokens: Math.ceil(text.length / 4),
        };
      }
      await this.#settle(run, requested, {
        outcome,
        error: failure,
        usage,
        model: opened.model,
        ttftMs: opened.ttftMs,
        attempts: opened.attempts,
      });
    }
  }

  /** Embeds `values` through the same stages (no filters: there is no text to release). */
  async embed(call: EmbedCall, ctx: RequestContext): Promise<EmbedResult> {
    const { run, requested: model } = await this.#start(call, ctx, "embedding");
    const staged: StageCall = { ...call, operation: "embedding" };
    const entry = await this.#runner.before(staged, run.ctx, run.trace, run.errors);
    run.entered = entry.entered;
    if (entry.refusal) throw await this.#refuse(run, model, entry.refusal);
    const amended =
      entry.call === staged || entry.call.operation !== "embedding"
        ? call
        : { ...call, values: entry.call.values };
    run.trace.push("provider_call");
    try {
      const result = await runEmbedding(amended, model, {
        catalog: this.#d.catalog,
        breakers: this.#breakers,
        policy: this.#policy,
      });
      const inputTokens = result.tokens ?? Math.ceil(amended.values.join("").length / 4);
      await this.#settle(run, model, {
        outcome: "success",
        error: null,
        usage: { inputTokens, outputTokens: 0 },
        model,
        ttftMs: null,
        attempts: result.attempts,
      });
      return { model, embeddings: result.embeddings, inputTokens, stages: [...run.trace] };
    } catch (error) {
      const mapped = classifyUpstreamError(error, model.providerId).error;
      await this.#settle(run, model, {
        outcome: "failure",
        error: mapped,
        usage: { inputTokens: 0, outputTokens: 0 },
        model,
        ttftMs: null,
        attempts: (error as { attempts?: number }).attempts ?? 1,
      });
      throw mapped;
    }
  }

  /** Authorizes (fixed, first) and resolves the model: a call failing here enters no stage. */
  async #start(
    call: ChatCall | EmbedCall,
    request: RequestContext,
    operation: "chat" | "embedding",
  ): Promise<{ run: Run; requested: CatalogModel }> {
    const started = this.#d.clock.now();
    const principal = this.#authorize(request, call);
    const requested = await this.#d.catalog.resolve(call.model);
    const ctx: StageContext = {
      request,
      principal,
      surface: call.surface,
      operation,
      teamId: teamOf(call, principal),
      assistantId: "assistantId" in call ? (call.assistantId ?? null) : null,
      projectId: "projectId" in call ? (call.projectId ?? null) : null,
      requested,
    };
    return { run: { ctx, started, trace: ["authorize"], errors: [], entered: 0 }, requested };
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

  /** Settles a call a stage refused before the provider call; returns the error to throw. */
  async #refuse(
    run: Run,
    requested: CatalogModel,
    refusal: { stage: string; error: AppError },
  ): Promise<AppError> {
    await this.#settle(run, requested, {
      outcome: "failure",
      error: refusal.error,
      refusedBy: refusal.stage,
      usage: { inputTokens: 0, outputTokens: 0 },
      model: requested,
      ttftMs: null,
      attempts: 0,
    });
    return refusal.error;
  }

  /**
   * Prices the call, runs the entered stages' `after` (each exactly once), then publishes
   * `ai.call.settled` without waiting for the bus.
   */
  async #settle(run: Run, requested: CatalogModel, end: Ending): Promise<void> {
    const price = end.model.price;
    const cost = price
      ? (end.usage.inputTokens * price.inputPerMTok + end.usage.outputTokens * price.outputPerMTok) /
        1_000_000
      : 0;
    const settled: OpenSettlement = {
      outcome: end.outcome,
      errorCode: end.error?.code ?? null,
      refusedBy: end.refusedBy ?? null,
      usage: end.usage,
      model: end.model,
      fallbackFrom: end.model.id !== requested.id ? requested.id : null,
      cost,
      costMicros: Math.round(cost * 1_000_000),
      ttftMs: end.ttftMs,
      durationMs: this.#d.clock.now() - run.started,
      attempts: end.attempts,
      trace: run.trace,
      stageErrors: run.errors,
      annotations: {},
    };
    await this.#runner.after(settled, run.ctx, run.entered);
    this.#publish(settled, run.ctx);
  }

  /** Fire-and-forget: the call never waits for the bus; a failure is logged and counted. */
  #publish(settled: OpenSettlement, ctx: StageContext): void {
    const events = this.#d.events;
    if (!events) return;
    const payload = settledEvent(settled, ctx);
    const failed = (err: unknown) => {
      this.#d.metrics?.settledPublishFailures.inc();
      this.#d.logger.warn({ err }, `could not publish ${AI_CALL_SETTLED}`);
    };
    try {
      events.publish(aiTopics.callSettled, payload).catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}

/** The team an AI call is made for and metered to: the call's, a team-bound key's, or none. */
function teamOf(call: Pick<ChatCall, "teamId">, principal: Principal): string | null {
  return call.teamId ?? boundTeam(principal);
}
