import type { ErrorCode } from "@parley/contracts";
import type { Principal } from "./principal.ts";
import type { RequestContext } from "./request-context.ts";
import type { AiSurface, CatalogModel, ChatCall, EmbedCall, TokenUsage } from "./ai-call.ts";

/**
 * The call as stages see it before the provider call. A stage may return a changed copy to amend
 * it (redact the prompt, add system text); the pipeline takes only `prompt`, `options` and
 * `sources` (chat) or `values` (embedding) from it: surface, team, model and signal are the
 * pipeline's.
 */
export type StageCall =
  (ChatCall & { readonly operation: "chat" }) | (EmbedCall & { readonly operation: "embedding" });

/**
 * What a stage knows about the call, the same object from `before` to `after`: a stage that
 * carries state across its hooks (a budget reservation) keys a `WeakMap` by it.
 */
export interface StageContext {
  readonly request: RequestContext;
  readonly principal: Principal;
  readonly surface: AiSurface;
  readonly operation: "chat" | "embedding";
  /** The team the call is made for and metered to; null: the caller's own account. */
  readonly teamId: string | null;
  /** The assistant the call is made with (its stage applied it); null: none. */
  readonly assistantId: string | null;
  /** The project the call is made in (within `teamId`'s team); null: none. */
  readonly projectId: string | null;
  /** The requested model (the answering one, maybe a fallback, is in the settlement). */
  readonly requested: CatalogModel;
}

/**
 * Holds back or rewrites an answer's text, for one call. `push` runs on every chunk of the hot
 * path: it may answer a promise (a detector library with an async API), but it should do as
 * little as it can per chunk; a model-based judge belongs before or after the call. The pipeline
 * chains the filters of all stages in list order.
 *
 * Bound: a filter may take in at most {@link MAX_HELD_CHARS} characters without releasing any;
 * beyond that the call fails closed (`server.internal`). Holding up to a boundary (a sentence, a
 * line) is the point; holding a whole answer is not allowed. (Counting what is taken in since the
 * last release, rather than taken in minus released, lets a redaction shorten text freely.)
 * Tool calls pass at once unless a filter has `toolInput`: then the pipeline holds each call's
 * argument deltas and sends the arguments whole, as `toolInput` returned them, when the call is
 * complete. Held text is released before the answer's `finish` part, and never when the stream
 * breaks off.
 */
export interface TextFilter {
  /** Takes the next text delta; returns what may be released now ("" holds it all back). */
  push(text: string): string | Promise<string>;
  /**
   * The upstream finished the answer: returns what is still held. Throwing here refuses the
   * answer's end: the call fails and the held text is never released.
   */
  flush(): string | Promise<string>;
  /** Checks (and may rewrite) a complete tool call's arguments; throwing refuses the answer. */
  toolInput?(input: string): string | Promise<string>;
}

/** The most a {@link TextFilter} may take in without releasing anything, in characters. */
export const MAX_HELD_CHARS = 4_096;

/** How a call ended, as every stage's `after` sees it. */
export interface Settlement {
  readonly outcome: "success" | "failure" | "cancelled";
  readonly errorCode: ErrorCode | null;
  /** The stage whose `before` refused the call, if one did (then there was no provider call). */
  readonly refusedBy: string | null;
  readonly usage: TokenUsage;
  /** The model that answered: the requested one or a fallback (the requested one when refused). */
  readonly model: CatalogModel;
  /** The requested model's id when a fallback answered. */
  readonly fallbackFrom: string | null;
  /** In the price table's currency (0 without a price); `costMicros` is the same, rounded. */
  readonly cost: number;
  readonly costMicros: number;
  readonly ttftMs: number | null;
  readonly durationMs: number;
  /** Provider attempts, retries and fallbacks included; 0 when refused before the call. */
  readonly attempts: number;
  /** Fixed steps and stage hooks run so far, in order, this stage's own name last. */
  readonly trace: readonly string[];
  /** Stages whose hooks failed during this call (logged and counted; settlement went on). */
  readonly stageErrors: readonly { stage: string; hook: "before" | "filter" | "after"; code: string }[];
  /**
   * What stages want in the call's audit entry, by stage name: a stage whose `after` runs before
   * the audit stage's (placed after `record`) adds to it, and the call's one hash-chained entry
   * holds it (governance decisions), instead of an entry of its own.
   */
  readonly annotations: Record<string, unknown>;
}

/**
 * One step of the AI pipeline, contributed by a module (its `<m>.stages.ts`) and placed in the
 * ordered list the composition root gives the pipeline. Every hook is optional.
 *
 * Order (as Hono's and Koa's middleware): `before` hooks run in list order; `after` hooks run in
 * reverse list order, and only for the stages whose `before` completed (a stage without `before`
 * counts as entered once the pipeline reached it). So a stage placed after the metering and
 * audit stages has its refusals metered and audited, and one placed before them (the rate limit)
 * does not; settlement stages placed first see every inner stage's outcome.
 *
 * Failures fail closed: a `before` that throws refuses the call (an `AppError` reaches the caller
 * as is, anything else as `server.internal`) and no provider is called; a filter that throws ends
 * the answer with that error and releases no further text. An `after` that throws is logged and
 * counted (`parley_ai_stage_failures_total`) and does not stop the other stages' settlement; it
 * does not change the call's outcome either, since the answer was already delivered: a check that
 * must be able to refuse an answer holds it back with a filter and refuses in `flush`.
 * @example
 * const shout: PipelineStage = {
 *   name: "shout",
 *   filter: () => ({ push: (text) => text.toUpperCase(), flush: () => "" }),
 * };
 */
export interface PipelineStage {
  /** Stable, snake_case: it appears in audit entries and metrics. */
  readonly name: string;
  /**
   * Before the provider call. Throws (an `AppError`) to refuse; returns a changed call to amend it.
   */
  before?(call: StageCall, ctx: StageContext): StageCall | undefined | Promise<StageCall | undefined>;
  /** A text filter for this chat call's answer, or undefined for none (never for embeddings). */
  filter?(call: StageCall, ctx: StageContext): TextFilter | undefined;
  /** Once per call whose `before` this stage passed, whatever the outcome: success, failure, cancel. */
  after?(settled: Settlement, ctx: StageContext): void | Promise<void>;
}

/**
 * Where a contributed stage sits in the pipeline (ascending: `before` hooks run in this order,
 * `after` hooks in reverse). Refusals of a stage placed before `record` are neither audited nor
 * metered; stages placed after `meter` have their refusals audited and metered.
 */
export const STAGE_ORDER = {
  /** Cheap refusals nothing records: per-principal rate limits. */
  admission: 100,
  /** What the call is made with: an assistant's instructions and settings (measured by `request`). */
  context: 150,
  /**
   * The team's and project's practices as system text (after `context`, so the assistant's
   * instructions stay first; measured by `request`).
   */
  practices: 160,
  /**
   * Knowledge passages the answer is grounded in, numbered for citations (after `context`, which
   * refuses an assistant the caller cannot use; measured by `request`).
   */
  retrieval: 170,
  /** Refusals about the request itself (too long for the model's context window). */
  request: 200,
  /** Records every call that got this far, with its outcome (audit). */
  record: 300,
  /** Meters every call that got this far (usage). */
  meter: 400,
  /**
   * Governance rules: last, so they see the prompt as the provider would (instructions,
   * practices, passages) and their refusals are audited and metered.
   */
  governance: 500,
  /**
   * Budgets and balances: the call's maximum cost reserved right before the provider call, once
   * no stage can still refuse it or hold it for approval (a hold would keep the reservation); its
   * refusals are audited and metered. Its `after` runs first, so the audit entry carries the debit.
   */
  budget: 600,
} as const;

/** A stage a module contributes (`BuiltModule.stages`), with its place in the pipeline. */
export interface StageContribution {
  /** See {@link STAGE_ORDER}; stages of equal order run in the module list's order. */
  readonly order: number;
  readonly stage: PipelineStage;
}
