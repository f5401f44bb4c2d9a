import type { Logger } from "pino";
import type { PipelineStage, Settlement, StageCall, StageContext } from "../../../kernel/ai-stage.ts";
import { Redactor } from "../detectors/redact.ts";
import type { DetectorMatch } from "../detectors/types.ts";
import type { DecisionLog } from "../decision-log.ts";
import { AppError } from "../../../kernel/app-error.ts";
import { isPromiseLike, type MaybePromise } from "../../../kernel/maybe-promise.ts";
import type { ApprovalDesk } from "../approval-desk.ts";
import { mask } from "../detectors/redact.ts";
import { AnswerGuard, estimateTokens, kinds, matchOf } from "./answer-guard.ts";
import { callTexts, rewriteTexts, SEPARATOR } from "./prompt-texts.ts";
import { namesModel, type ActiveRule, type CallRules, type RuleBook } from "./rule-book.ts";
import { ruleDetails, Verdicts, type CheckFailureCounter } from "./verdicts.ts";

/** Dependencies of the governance stage. */
export interface GovernanceStageDeps {
  book: RuleBook;
  decisions: DecisionLog;
  approvals: ApprovalDesk;
  failures: CheckFailureCounter;
  logger: Logger;
  /** The longest a rule's check may take on one text before it counts as failed. */
  checkTimeoutMs: number;
}

/** One call's state between the stage's hooks. */
interface CallState {
  readonly verdicts: Verdicts;
  readonly during: readonly ActiveRule[];
  readonly after: readonly ActiveRule[];
  restore: Map<string, string> | null;
}

/**
 * The governance stage: every AI call on every surface passes the rules that apply to it.
 *
 * - `before`: the prompt (every text the provider would get) against `before` rules: block
 *   (`governance.blocked`), redact (placeholders such as `<EMAIL_1>` go to the provider), warn,
 *   record; conditions on the model and the prompt's size too.
 * - `filter`: the answer against `during` rules while it streams and `after` rules once complete
 *   ({@link AnswerGuard}), and the placeholders restored for the caller.
 * - `after`: cost ceilings (known only once settled), then every decision recorded.
 *
 * A check that fails blocks the call (`governance.check_failed`) unless its rule is fail-open.
 */
export function governanceStage(deps: GovernanceStageDeps): PipelineStage {
  const states = new WeakMap<StageContext, CallState>();

  /** The `before` rules on the call: synchronous unless a check or an approval is not. */
  const checkCall = (
    call: StageCall,
    ctx: StageContext,
    { before, during, after }: CallRules,
  ): MaybePromise<StageCall | undefined> => {
    const state: CallState = { verdicts: new Verdicts(deps.failures), during, after, restore: null };
    states.set(ctx, state);
    if (!before.length) return undefined;
    // A refused call runs no `after` of this stage: its decisions are recorded here.
    const refused = (error: unknown) =>
      record(state, ctx, deps).then(() => {
        throw error;
      });
    let checked: MaybePromise<StageCall | undefined>;
    try {
      checked = checkPrompt(call, ctx, before, state, deps);
    } catch (error) {
      return refused(error);
    }
    return isPromiseLike(checked) ? checked.then(undefined, refused) : checked;
  };

  return {
    name: "governance",

    before(call, ctx) {
      // One pass over the cached rules, without a promise (most calls).
      const rules = deps.book.callRules(ctx);
      return isPromiseLike(rules) ? rules.then((r) => checkCall(call, ctx, r)) : checkCall(call, ctx, rules);
    },

    filter(call, ctx) {
      const state = states.get(ctx);
      if (!state || call.operation !== "chat") return undefined;
      const after = state.after.filter((r) => r.spec?.condition.maxCostMicros === undefined);
      if (!state.during.length && !after.length && !state.restore?.size) return undefined;
      return new AnswerGuard({
        during: state.during,
        after,
        restore: state.restore,
        whole: call.delivery === "whole",
        json: call.options.responseFormat?.type === "json",
        verdicts: state.verdicts,
        timeoutMs: deps.checkTimeoutMs,
      });
    },

    async after(settled, ctx) {
      const state = states.get(ctx);
      if (!state) return;
      checkCost(settled, state);
      // The call's own audit entry (written after this hook) holds its decisions: one
      // hash-chained entry per call, not one more per decision.
      const decisions = state.verdicts.take();
      try {
        await deps.decisions.recordWithCall(decisions, ctx, settled);
      } catch (error) {
        deps.logger.error(
          { err: error, requestId: ctx.request.requestId },
          "could not record governance decisions",
        );
        throw error;
      }
    },
  };
}

/** What the `before` rules decided so far on one call's prompt. */
interface PromptCheck {
  readonly call: StageCall;
  readonly ctx: StageContext;
  readonly rules: readonly ActiveRule[];
  readonly state: CallState;
  readonly deps: GovernanceStageDeps;
  readonly texts: string[];
  readonly whole: string;
  readonly toRedact: DetectorMatch[];
  readonly holds: { rule: ActiveRule; found: DetectorMatch[]; reasons: string[] }[];
}

/**
 * Runs the `before` rules on the call's texts, in order; answers the call with redactions
 * applied. Synchronous unless a detector or an approval is not: a promise per call and rule
 * would interleave a burst of requests' checks with one another (see `MaybePromise`).
 * @throws AppError `governance.blocked`, `governance.check_failed`
 */
function checkPrompt(
  call: StageCall,
  ctx: StageContext,
  rules: readonly ActiveRule[],
  state: CallState,
  deps: GovernanceStageDeps,
): MaybePromise<StageCall | undefined> {
  const texts = callTexts(call);
  const check: PromptCheck = {
    call,
    ctx,
    rules,
    state,
    deps,
    texts,
    whole: texts.join(SEPARATOR),
    toRedact: [],
    holds: [],
  };
  return checkRulesFrom(check, 0);
}

/** Checks the rules from `index` on, then holds and redacts. */
function checkRulesFrom(check: PromptCheck, index: number): MaybePromise<StageCall | undefined> {
  for (let i = index; i < check.rules.length; i++) {
    const rule = check.rules[i] as ActiveRule;
    // A spec that no longer parses fails its check here (its detectors are the parse error).
    if (rule.spec !== null && !rule.spec.condition.detectors) {
      decideRule(check, rule, []);
      continue;
    }
    const matches = check.state.verdicts.detect(rule, "before", check.whole, check.deps.checkTimeoutMs);
    if (isPromiseLike(matches))
      return matches.then((found) => {
        if (found !== null && found.length) decideRule(check, rule, found);
        return checkRulesFrom(check, i + 1);
      });
    if (matches !== null && matches.length) decideRule(check, rule, matches);
  }
  return check.holds.length ? holdForApprovals(check) : redacted(check);
}

/**
 * Takes one rule's action, given what its detectors found (nothing when it has none: its other
 * conditions decide). Approvals are kept for last.
 * @throws AppError `governance.blocked`
 */
function decideRule(check: PromptCheck, rule: ActiveRule, found: DetectorMatch[]): void {
  const { ctx, whole, state } = check;
  const spec = rule.spec;
  if (spec === null) return;
  const reasons: string[] = [];
  if (found.length) reasons.push(`found ${kinds(found)} in the prompt`);
  const condition = spec.condition;
  if (condition.allowedModels) {
    if (namesModel(condition.allowedModels, ctx)) return;
    reasons.push(`the model ${ctx.requested.id} is not on the rule's list`);
  }
  if (condition.maxInputTokens !== undefined) {
    const tokens = estimateTokens(whole.length);
    if (tokens <= condition.maxInputTokens) return;
    reasons.push(`the prompt has about ${tokens} tokens, over ${condition.maxInputTokens}`);
  }
  if (spec.action === "require_approval") {
    // Held last: blocks refuse first, and the approver's preview masks what redactions found.
    check.holds.push({ rule, found, reasons });
    return;
  }
  const action = state.verdicts.act(
    rule,
    "before",
    found.map((m) => matchOf(whole, m)),
    reasons.join("; "),
  );
  if (action === "redact") check.toRedact.push(...found);
}

/** Holds the call for each rule that needs an approval, in turn; then redacts. */
async function holdForApprovals(check: PromptCheck): Promise<StageCall | undefined> {
  const { call, ctx, whole, state, deps } = check;
  for (const { rule, found, reasons } of check.holds) {
    const matches = found.map((m) => matchOf(whole, m));
    if (call.operation !== "chat") {
      // Nobody waits on an embedding (a document's ingestion): it cannot be held, so it is refused.
      state.verdicts.add(rule, "before", "deny", matches, "an embedding call cannot wait for approval");
      throw new AppError(
        "governance.approval_denied",
        `The rule "${rule.name}" needs an approval, and this call cannot wait for one`,
        { details: ruleDetails(rule, "before", "embedding calls cannot be held") },
      );
    }
    await deps.approvals.hold({
      rule,
      ctx,
      matches,
      reason: reasons.join("; ") || "the rule holds every call it applies to",
      preview: lastText(mask(whole, [...check.toRedact, ...found])),
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.onHold ? { onHold: call.onHold } : {}),
    });
  }
  return redacted(check);
}

/** The call with what `redact` rules found replaced, or undefined when nothing was. */
function redacted(check: PromptCheck): StageCall | undefined {
  if (!check.toRedact.length) return undefined;
  return redactTexts(check.call, check.texts, check.toRedact, check.state);
}

/** Replaces what `redact` rules found with placeholders, consistently across the call's texts. */
function redactTexts(call: StageCall, texts: string[], found: DetectorMatch[], state: CallState): StageCall {
  const redactor = new Redactor(texts.join(SEPARATOR));
  // Each text's offset in the joined text; a match belongs to the text it starts in.
  const starts: number[] = [];
  let at = 0;
  for (const text of texts) {
    starts.push(at);
    at += text.length + SEPARATOR.length;
  }
  const perText = texts.map((): DetectorMatch[] => []);
  for (const m of found) {
    let i = starts.length - 1;
    while (i > 0 && (starts[i] as number) > m.start) i--;
    const start = starts[i] as number;
    perText[i]?.push({
      ...m,
      start: m.start - start,
      end: Math.min(m.end - start, (texts[i] as string).length),
    });
  }
  let index = 0;
  const rewritten = rewriteTexts(call, (text) => {
    const matches = perText[index++] ?? [];
    return matches.length ? redactor.redact(text, matches) : text;
  });
  if (call.operation === "chat") state.restore = redactor.restore;
  return rewritten;
}

/** `after` rules with a cost ceiling: the cost is known once the call is settled (recorded, never blocking). */
function checkCost(settled: Settlement, state: CallState): void {
  for (const rule of state.after) {
    const condition = rule.spec?.condition;
    if (!condition || condition.maxCostMicros === undefined) continue;
    if (settled.costMicros <= condition.maxCostMicros) continue;
    const reasons = [`the call cost ${settled.costMicros} micro-units, over ${condition.maxCostMicros}`];
    if (condition.maxOutputTokens !== undefined) {
      if (settled.usage.outputTokens <= condition.maxOutputTokens) continue;
      reasons.push(`the answer had ${settled.usage.outputTokens} tokens, over ${condition.maxOutputTokens}`);
    }
    state.verdicts.act(rule, "after", [], reasons.join("; "), { canBlock: false });
  }
}

async function record(state: CallState, ctx: StageContext, deps: GovernanceStageDeps): Promise<void> {
  const decisions = state.verdicts.take();
  if (!decisions.length) return;
  try {
    await deps.decisions.record(decisions, ctx);
  } catch (error) {
    deps.logger.error(
      { err: error, requestId: ctx.request.requestId },
      "could not record governance decisions",
    );
    throw error;
  }
}

/** The last of the call's texts (the newest message), from their joined form. */
function lastText(joined: string): string {
  const at = joined.lastIndexOf(SEPARATOR);
  return at < 0 ? joined : joined.slice(at + SEPARATOR.length);
}
