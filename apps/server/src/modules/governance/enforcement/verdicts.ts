import type { DecisionAction, DecisionMatch, RuleTier } from "@parley/contracts";
import { AppError } from "../../../kernel/app-error.ts";
import { isPromiseLike, type MaybePromise } from "../../../kernel/maybe-promise.ts";
import type { DetectorMatch } from "../detectors/types.ts";
import type { DecisionInput } from "../decision-log.ts";
import { CheckFailedError, detectAll } from "./checks.ts";
import type { ActiveRule } from "./rule-book.ts";

/** The most fingerprints one decision keeps (a text full of addresses needs no more to be acted on). */
const MAX_MATCHES_PER_DECISION = 100;

/** Counts checks that could not run, by tier and what became of the call. */
export type CheckFailureCounter = { inc(labels: { tier: RuleTier; outcome: "blocked" | "fail_open" }): void };

/**
 * The decisions rules take on one call, gathered until the call is settled (one per rule, tier
 * and action; matches added up), and the errors that refuse it.
 */
export class Verdicts {
  readonly #decisions = new Map<string, DecisionInput>();
  readonly #failures: CheckFailureCounter;

  constructor(failures: CheckFailureCounter) {
    this.#failures = failures;
  }

  /** The decisions taken so far; `take` empties the list (they are being recorded). */
  take(): DecisionInput[] {
    const all = [...this.#decisions.values()];
    this.#decisions.clear();
    return all;
  }

  /**
   * The rule's matches in `text`, or null when its check failed and the rule is fail-open
   * (recorded as such).
   * Synchronous when the rule's detectors are (see {@link detectAll}).
   * @throws AppError `governance.check_failed` when the check failed: the call fails closed.
   */
  detect(
    rule: ActiveRule,
    tier: RuleTier,
    text: string,
    timeoutMs: number,
  ): MaybePromise<DetectorMatch[] | null> {
    const failed = (error: unknown): null => {
      if (!(error instanceof CheckFailedError)) throw error;
      const refusal = this.checkFailed(rule, tier, error);
      if (refusal) throw refusal;
      return null;
    };
    let found: MaybePromise<DetectorMatch[]>;
    try {
      found = detectAll(rule, text, timeoutMs);
    } catch (error) {
      return failed(error);
    }
    return isPromiseLike(found) ? found.then(undefined, failed) : found;
  }

  /**
   * Records a failed check: fail-open rules let the call go on (returns undefined: the caller
   * skips the rule); the others get the error to refuse the call with.
   */
  checkFailed(rule: ActiveRule, tier: RuleTier, error: CheckFailedError): AppError | undefined {
    const failOpen = rule.spec?.failOpen === true;
    this.#failures.inc({ tier, outcome: failOpen ? "fail_open" : "blocked" });
    if (failOpen) {
      this.#add(rule, tier, "record", [], `the check failed and the rule is fail-open: ${error.reason}`);
      return undefined;
    }
    this.#add(
      rule,
      tier,
      "block",
      [],
      `the check failed, so the call was blocked (fail closed): ${error.reason}`,
    );
    return new AppError(
      "governance.check_failed",
      `${error.message}. The call is blocked: a governance check that cannot run fails closed.`,
      { details: ruleDetails(rule, tier, error.reason), cause: error },
    );
  }

  /**
   * Takes the rule's action on what matched and returns it; `block` throws instead (unless the
   * answer was already delivered: `canBlock` false records what the rule would have done).
   * @throws AppError `governance.blocked`
   */
  act(
    rule: ActiveRule,
    tier: RuleTier,
    matches: readonly DecisionMatch[],
    reason: string,
    options: { canBlock?: boolean } = {},
  ): DecisionAction {
    const action = rule.spec?.action ?? "block";
    switch (action) {
      case "block":
        if (options.canBlock === false) {
          this.#add(
            rule,
            tier,
            "record",
            matches,
            `${reason}; the answer had already been streamed, so it was recorded, not blocked`,
          );
          return "record";
        }
        this.#add(rule, tier, "block", matches, reason);
        throw new AppError(
          "governance.blocked",
          `Blocked by the governance rule "${rule.name}" (${tier} the call): ${reason}`,
          {
            details: ruleDetails(rule, tier, reason),
          },
        );
      case "redact":
      case "warn":
      case "record":
        this.#add(rule, tier, action, matches, reason);
        return action;
      case "require_approval":
        // Only a `before` rule can hold a call; the stage handles it before asking here.
        throw new Error(`require_approval is not decided by Verdicts.act (rule ${rule.id})`);
    }
  }

  /** Adds a decision the stage took itself (an approval's outcome). */
  add(
    rule: ActiveRule,
    tier: RuleTier,
    action: DecisionAction,
    matches: readonly DecisionMatch[],
    reason: string,
  ): void {
    this.#add(rule, tier, action, matches, reason);
  }

  #add(
    rule: ActiveRule,
    tier: RuleTier,
    action: DecisionAction,
    matches: readonly DecisionMatch[],
    reason: string,
  ): void {
    const key = `${rule.id}\u0000${tier}\u0000${action}`;
    const known = this.#decisions.get(key);
    if (known) {
      const room = MAX_MATCHES_PER_DECISION - known.matches.length;
      if (room > 0)
        this.#decisions.set(key, { ...known, matches: [...known.matches, ...matches.slice(0, room)] });
      return;
    }
    this.#decisions.set(key, {
      rule: { id: rule.id, version: rule.version, name: rule.name },
      tier,
      action,
      matches: matches.slice(0, MAX_MATCHES_PER_DECISION),
      reason,
    });
  }
}

/** What a governance error tells the caller about the rule (never the matched text). */
export function ruleDetails(rule: ActiveRule, tier: RuleTier, reason: string): Record<string, unknown> {
  return { ruleId: rule.id, ruleName: rule.name, ruleVersion: rule.version, tier, reason };
}
