import { performance } from "node:perf_hooks";
import { byPosition, type DetectorMatch } from "../detectors/types.ts";
import type { ActiveRule } from "./rule-book.ts";

/** A rule's check that could not run: its detectors failed to build, threw, or took too long. */
export class CheckFailedError extends Error {
  override readonly name = "CheckFailedError";
  readonly rule: ActiveRule;
  readonly reason: string;
  constructor(rule: ActiveRule, reason: string, options?: ErrorOptions) {
    super(`Rule "${rule.name}" could not check the text: ${reason}`, options);
    this.rule = rule;
    this.reason = reason;
  }
}

/**
 * Every match of a rule's detectors in `text`, by position.
 *
 * A detector is CPU work on this thread, so a slow one cannot be interrupted: one that took
 * longer than `timeoutMs` counts as failed once it returns, and a rule's verdict is never taken
 * from a check that overran.
 * @throws CheckFailedError
 */
export async function detectAll(rule: ActiveRule, text: string, timeoutMs: number): Promise<DetectorMatch[]> {
  const detectors = rule.detectors;
  if (detectors instanceof Error) throw new CheckFailedError(rule, detectors.message, { cause: detectors });
  const started = performance.now();
  const found: DetectorMatch[] = [];
  for (const detector of detectors) {
    // A cheap look first: most texts cannot hold a secret (no long token), and the full scan costs.
    if (detector.mayMatch && !detector.mayMatch(text, 0, text.length)) continue;
    try {
      found.push(...(await detector.detect(text)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CheckFailedError(rule, `the ${detector.id} detector failed (${message})`, { cause: error });
    }
    const spent = performance.now() - started;
    if (spent > timeoutMs) {
      throw new CheckFailedError(
        rule,
        `the ${detector.id} detector took ${Math.round(spent)} ms, over the ${timeoutMs} ms limit`,
      );
    }
  }
  return found.sort(byPosition);
}

/** Where a stream's tail must be held for any of `rules`' detectors (see `Detector.holdFrom`). */
export function holdFrom(rules: readonly ActiveRule[], text: string): number {
  let at = text.length;
  for (const rule of rules) {
    if (rule.detectors instanceof Error) continue;
    for (const detector of rule.detectors) at = Math.min(at, detector.holdFrom(text));
  }
  return at;
}
