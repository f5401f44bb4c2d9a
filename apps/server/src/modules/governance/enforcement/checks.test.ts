import { describe, expect, it } from "vitest";
import { isPromiseLike } from "../../../kernel/maybe-promise.ts";
import { keywordsDetector } from "../detectors/keywords.detector.ts";
import { piiDetector } from "../detectors/pii.detector.ts";
import type { Detector, DetectorMatch } from "../detectors/types.ts";
import { CheckFailedError, detectAll } from "./checks.ts";
import type { ActiveRule } from "./rule-book.ts";

function ruleWith(detectors: readonly Detector[] | Error): ActiveRule {
  return { id: "r1", version: 1, teamId: null, name: "Test rule", spec: null, detectors };
}

/** A detector that answers later, as secretlint's own run does for a rule that went asynchronous. */
function later(inner: Detector, delayMs = 0): Detector {
  return {
    ...inner,
    id: `later-${inner.id}`,
    detect: (text) =>
      new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => inner.detect(text)),
  };
}

function throwing(message: string): Detector {
  return {
    id: "broken",
    kind: "x",
    maxMatchLength: 1,
    holdFrom: (text) => text.length,
    detect: () => {
      throw new Error(message);
    },
  };
}

const TEXT = "Mail ann@example.org about Nova";
const spans = (found: DetectorMatch[]) => found.map((m) => `${m.kind}:${TEXT.slice(m.start, m.end)}`);

describe("detectAll", () => {
  it("answers at once, without a promise, when every detector does", () => {
    const found = detectAll(ruleWith([keywordsDetector(["nova"]), piiDetector(["email"])]), TEXT, 1_000);
    expect(isPromiseLike(found)).toBe(false);
    expect(spans(found as DetectorMatch[])).toEqual(["email:ann@example.org", "keyword:Nova"]);
  });

  it("finds the same, by position, when a detector answers later, before or after the others", async () => {
    for (const detectors of [
      [later(keywordsDetector(["nova"])), piiDetector(["email"])],
      [keywordsDetector(["nova"]), later(piiDetector(["email"]))],
    ]) {
      const found = detectAll(ruleWith(detectors), TEXT, 1_000);
      expect(isPromiseLike(found)).toBe(true);
      expect(spans(await found)).toEqual(["email:ann@example.org", "keyword:Nova"]);
    }
  });

  it("fails the check, naming the detector, when one throws now or later", async () => {
    expect(() => detectAll(ruleWith([throwing("boom")]), TEXT, 1_000)).toThrow(
      /the broken detector failed \(boom\)/,
    );
    const rejected = detectAll(ruleWith([later(throwing("later boom"))]), TEXT, 1_000);
    await expect(rejected).rejects.toBeInstanceOf(CheckFailedError);
    await expect(rejected).rejects.toThrow(/the later-broken detector failed \(later boom\)/);
  });

  it("fails the check when the detectors took longer than the limit, now or later", async () => {
    const slow = later(keywordsDetector(["nova"]), 30);
    await expect(detectAll(ruleWith([slow]), TEXT, 5)).rejects.toThrow(/took \d+ ms, over the 5 ms limit/);
    expect(() => detectAll(ruleWith([keywordsDetector(["nova"])]), TEXT, -1)).toThrow(/over the -1 ms limit/);
  });

  it("fails the check of a rule whose detectors could not be built", () => {
    expect(() => detectAll(ruleWith(new Error("bad pattern")), TEXT, 1_000)).toThrow(CheckFailedError);
  });
});
