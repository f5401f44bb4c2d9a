import { performance } from "node:perf_hooks";
import { isPromiseLike, type MaybePromise } from "../../../kernel/maybe-promise.ts";
import { byPosition, type Detector, type DetectorMatch } from "../detectors/types.ts";
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
 * Answers synchronously when every detector does (the usual case): no promise on the hot path.
 * @throws CheckFailedError
 */
export function detectAll(rule: ActiveRule, text: string, timeoutMs: number): MaybePromise<DetectorMatch[]> {
  const detectors = rule.detectors;
  if (detectors instanceof Error) throw new CheckFailedError(rule, detectors.message, { cause: detectors });
  return scan({ rule, detectors, text, timeoutMs, started: performance.now() }, 0, []);
}

interface Scan {
  rule: ActiveRule;
  detectors: readonly Detector[];
  text: string;
  timeoutMs: number;
  started: number;
}

/** Runs the detectors from `from` on, adding to `found`; goes asynchronous only if one does. */
function scan(s: Scan, from: number, found: DetectorMatch[]): MaybePromise<DetectorMatch[]> {
  for (let i = from; i < s.detectors.length; i++) {
    const detector = s.detectors[i] as Detector;
    // A cheap look first: most texts cannot hold a secret (no long token), and the full scan costs.
    if (detector.mayMatch && !detector.mayMatch(s.text, 0, s.text.length)) continue;
    let result: MaybePromise<DetectorMatch[]>;
    try {
      result = detector.detect(s.text);
    } catch (error) {
      throw failed(s.rule, detector, error);
    }
    if (isPromiseLike(result))
      return result.then(
        (matches) => {
          found.push(...matches);
          overran(s, detector);
          return scan(s, i + 1, found);
        },
        (error: unknown) => {
          throw failed(s.rule, detector, error);
        },
      );
    found.push(...result);
    overran(s, detector);
  }
  return found.sort(byPosition);
}

function failed(rule: ActiveRule, detector: Detector, error: unknown): CheckFailedError {
  const message = error instanceof Error ? error.message : String(error);
  return new CheckFailedError(rule, `the ${detector.id} detector failed (${message})`, { cause: error });
}

/** @throws CheckFailedError when the check has taken longer than its limit so far. */
function overran(s: Scan, detector: Detector): void {
  const spent = performance.now() - s.started;
  if (spent > s.timeoutMs)
    throw new CheckFailedError(
      s.rule,
      `the ${detector.id} detector took ${Math.round(spent)} ms, over the ${s.timeoutMs} ms limit`,
    );
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
