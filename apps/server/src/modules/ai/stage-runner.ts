import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import { isPromiseLike } from "../../kernel/maybe-promise.ts";
import type { AiMetrics } from "./ai.metrics.ts";
import {
  MAX_HELD_CHARS,
  type PipelineStage,
  type Settlement,
  type StageCall,
  type StageContext,
  type TextFilter,
} from "../../kernel/ai-stage.ts";

type Hook = "before" | "filter" | "after";

/** A settlement the runner still appends to while the `after` hooks run. */
export type OpenSettlement = Settlement & {
  readonly trace: string[];
  readonly stageErrors: Settlement["stageErrors"][number][];
};

/** What the `before` hooks decided. */
export type Entry =
  | { readonly call: StageCall; readonly entered: number; readonly refusal: null }
  | {
      readonly call: StageCall;
      /** Stages whose `after` still runs: those before the refusing one. */
      readonly entered: number;
      readonly refusal: { readonly stage: string; readonly error: AppError };
    };

/** The text filters of a call, or the stage that refused to filter it. */
export type Filters =
  | { readonly pipe: TextPipe | null; readonly refusal: null }
  | { readonly pipe: null; readonly refusal: { readonly stage: string; readonly error: AppError } };

const NO_FILTERS: Filters = { pipe: null, refusal: null };

/**
 * Runs an ordered list of {@link PipelineStage}s for one pipeline: `before` in list order, text
 * filters chained in list order, `after` in reverse order (see `PipelineStage` for the rules).
 */
export class StageRunner {
  readonly #stages: readonly PipelineStage[];
  readonly #logger: Logger;
  readonly #metrics: AiMetrics | undefined;
  readonly #filtering: boolean;

  constructor(stages: readonly PipelineStage[], logger: Logger, metrics?: AiMetrics) {
    const names = new Set<string>();
    for (const stage of stages) {
      if (names.has(stage.name)) throw new Error(`Two AI pipeline stages are named ${stage.name}`);
      names.add(stage.name);
    }
    this.#stages = stages;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#filtering = stages.some((s) => s.filter !== undefined);
  }

  /** Runs the `before` hooks in order, appending each stage's name to `trace` once it passed. */
  async before(
    call: StageCall,
    ctx: StageContext,
    trace: string[],
    errors: OpenSettlement["stageErrors"],
  ): Promise<Entry> {
    let current = call;
    for (let i = 0; i < this.#stages.length; i++) {
      const stage = this.#stages[i] as PipelineStage;
      if (!stage.before) continue;
      try {
        const result = stage.before(current, ctx);
        const amended = isPromiseLike(result) ? await result : result;
        if (amended) current = amend(current, amended);
      } catch (error) {
        return {
          call: current,
          entered: i,
          refusal: { stage: stage.name, error: this.#failure(stage.name, "before", error, errors) },
        };
      }
      trace.push(stage.name);
    }
    return { call: current, entered: this.#stages.length, refusal: null };
  }

  /**
   * The chained text filters of this call: `pipe` null when no stage filters it (the fast path);
   * a stage that cannot build its filter refuses the call.
   */
  filters(call: StageCall, ctx: StageContext, errors: OpenSettlement["stageErrors"]): Filters {
    if (!this.#filtering) return NO_FILTERS;
    const filters: TextFilter[] = [];
    const names: string[] = [];
    for (const stage of this.#stages) {
      if (!stage.filter) continue;
      let filter: TextFilter | undefined;
      try {
        filter = stage.filter(call, ctx);
      } catch (error) {
        return {
          pipe: null,
          refusal: { stage: stage.name, error: this.#failure(stage.name, "filter", error, errors) },
        };
      }
      if (filter) {
        filters.push(filter);
        names.push(stage.name);
      }
    }
    if (filters.length === 0) return NO_FILTERS;
    const pipe = new TextPipe(filters, names, (name, error) => this.#failure(name, "filter", error, errors));
    return { pipe, refusal: null };
  }

  /**
   * Runs the `after` hooks of the first `entered` stages in reverse order, each exactly once;
   * one that throws is logged and counted and the others still run.
   */
  async after(settled: OpenSettlement, ctx: StageContext, entered: number): Promise<void> {
    for (let i = entered - 1; i >= 0; i--) {
      const stage = this.#stages[i] as PipelineStage;
      if (!stage.after) continue;
      settled.trace.push(stage.name);
      try {
        const result = stage.after(settled, ctx);
        if (result !== undefined) await result;
      } catch (error) {
        // Settlement must go on for the other stages (metering, audit): never rethrown.
        this.#failure(stage.name, "after", error, settled.stageErrors, true);
      }
    }
  }

  /**
   * The error a failed hook ends the call with: a refusal (AppError) as it is; anything else is a
   * bug, logged, counted and turned into `server.internal` so that it fails the call closed.
   */
  #failure(
    stage: string,
    hook: Hook,
    error: unknown,
    errors: OpenSettlement["stageErrors"],
    always = false,
  ): AppError {
    if (error instanceof AppError && !always) return error;
    const code = error instanceof AppError ? error.code : "server.internal";
    this.#logger.error({ err: error, stage, hook }, `AI pipeline stage ${stage} failed in ${hook}`);
    this.#metrics?.stageFailures.inc({ stage, hook });
    errors.push({ stage, hook, code });
    return error instanceof AppError
      ? error
      : new AppError("server.internal", `AI pipeline stage ${stage} failed`, { cause: error });
  }
}

/**
 * The text filters of one answer, chained: each filter's output is the next one's input.
 * Enforces {@link MAX_HELD_CHARS} per filter.
 */
export class TextPipe {
  readonly #filters: TextFilter[];
  readonly #names: string[];
  /** Per filter: characters taken in since it last released something. */
  readonly #pending: number[];
  readonly #fail: (stage: string, error: unknown) => AppError;

  constructor(filters: TextFilter[], names: string[], fail: (stage: string, error: unknown) => AppError) {
    this.#filters = filters;
    this.#names = names;
    this.#pending = filters.map(() => 0);
    this.#fail = fail;
  }

  /** True when a filter looks at tool-call arguments: the pipeline then holds their deltas. */
  get checksToolCalls(): boolean {
    return this.#filters.some((f) => f.toolInput !== undefined);
  }

  /**
   * The text that may be released for `text`, maybe "" (held back). A string when every filter
   * answered at once (most deltas: no promise, no microtask on the hot path), else a promise.
   * A failure is always a rejected promise.
   * @throws AppError (rejected) from a filter, or when one holds back more than allowed: fail closed.
   */
  push(text: string): string | Promise<string> {
    return this.#pushFrom(0, text);
  }

  /** {@link push} through the filters from `first` on. */
  #pushFrom(first: number, text: string): string | Promise<string> {
    let out = text;
    for (let i = first; i < this.#filters.length && out !== ""; i++) {
      let result: string | Promise<string>;
      try {
        result = (this.#filters[i] as TextFilter).push(out);
      } catch (error) {
        return Promise.reject(this.#fail(this.#names[i] as string, error));
      }
      if (typeof result !== "string") return this.#awaitThenPush(i, out, result);
      const failure = this.#count(i, out, result);
      if (failure) return Promise.reject(failure);
      out = result;
    }
    return out;
  }

  /** Waits for filter `i`'s answer to `input`, then goes on through the filters after it. */
  async #awaitThenPush(i: number, input: string, pending: Promise<string>): Promise<string> {
    let result: string;
    try {
      result = await pending;
    } catch (error) {
      throw this.#fail(this.#names[i] as string, error);
    }
    const failure = this.#count(i, input, result);
    if (failure) throw failure;
    return this.#pushFrom(i + 1, result);
  }

  /**
   * Counts what filter `i` holds back: it took `input` and released `output`. The error when it
   * has held more than {@link MAX_HELD_CHARS} without releasing any.
   */
  #count(i: number, input: string, output: string): AppError | null {
    if (output !== "") {
      this.#pending[i] = 0;
      return null;
    }
    const pending = (this.#pending[i] as number) + input.length;
    this.#pending[i] = pending;
    if (pending <= MAX_HELD_CHARS) return null;
    return this.#fail(
      this.#names[i] as string,
      new Error(`held back ${pending} characters without releasing any (at most ${MAX_HELD_CHARS})`),
    );
  }

  /**
   * A complete tool call's arguments, through every filter that checks them (in order).
   * @throws AppError from a filter: fail closed.
   */
  async toolInput(input: string): Promise<string> {
    let out = input;
    for (let i = 0; i < this.#filters.length; i++) {
      const filter = this.#filters[i] as TextFilter;
      if (!filter.toolInput) continue;
      try {
        out = await filter.toolInput(out);
      } catch (error) {
        throw this.#fail(this.#names[i] as string, error);
      }
    }
    return out;
  }

  /**
   * The answer is complete: whatever the filters still hold, in order.
   * @throws AppError from a filter's `flush` (the held text is then never released).
   */
  async flush(): Promise<string> {
    let out = "";
    for (let i = 0; i < this.#filters.length; i++) {
      const filter = this.#filters[i] as TextFilter;
      try {
        const pushed = out === "" ? "" : await filter.push(out);
        out = pushed + (await filter.flush());
      } catch (error) {
        throw this.#fail(this.#names[i] as string, error);
      }
    }
    return out;
  }
}

/** Takes from a stage's amended call only what a stage may change. */
function amend(call: StageCall, amended: StageCall): StageCall {
  if (call.operation === "chat" && amended.operation === "chat")
    return {
      ...call,
      prompt: amended.prompt,
      options: amended.options,
      ...(amended.sources ? { sources: amended.sources } : {}),
    };
  if (call.operation === "embedding" && amended.operation === "embedding")
    return { ...call, values: amended.values };
  throw new Error("A stage returned a call of another operation");
}
