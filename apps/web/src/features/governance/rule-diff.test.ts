import type { DryRunResult, RuleSpec } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { hitLabel, segmentsOf } from "./match-segments.ts";
import { compareSpecs } from "./rule-diff.ts";

const v1: RuleSpec = {
  name: "PII",
  tier: "before",
  scope: {},
  condition: { detectors: [{ type: "pii", kinds: ["email"] }, { type: "secrets" }] },
  action: "warn",
};

describe("comparing two versions of a rule", () => {
  it("marks the fields that changed, a removed detector included", () => {
    const v2: RuleSpec = {
      ...v1,
      action: "redact",
      scope: { surfaces: ["chat"] },
      condition: { detectors: [{ type: "pii", kinds: ["email", "phone"] }] },
    };
    const changed = compareSpecs(v1, v2).filter((c) => c.changed);
    expect(changed).toEqual([
      { label: "Action", before: "Warn", after: "Redact", changed: true },
      { label: "Surfaces", before: "(any)", after: "Chat", changed: true },
      {
        label: "Detector 1: kinds",
        before: "Email addresses",
        after: "Email addresses, Phone numbers",
        changed: true,
      },
      { label: "Detector 2", before: "Secrets (keys, tokens, passwords)", after: "", changed: true },
    ]);
  });

  it("shows the other conditions and an approval's timeout, the cost in units", () => {
    const v2: RuleSpec = {
      ...v1,
      action: "require_approval",
      condition: { allowedModels: ["a/b", "c"], maxInputTokens: 12_000 },
    };
    const v3: RuleSpec = {
      ...v1,
      tier: "after",
      condition: { maxOutputTokens: 500, maxCostMicros: 50_000, requireValidJson: true },
    };
    expect(compareSpecs(v2, v3).filter((c) => c.changed)).toEqual([
      { label: "Tier", before: "Before the call", after: "After the answer", changed: true },
      { label: "Action", before: "Require approval", after: "Warn", changed: true },
      { label: "Max output tokens", before: "", after: "500", changed: true },
      { label: "Max cost per call", before: "", after: "0.05 (50,000 micro-units)", changed: true },
      { label: "Require valid JSON", before: "", after: "Yes", changed: true },
      { label: "Allowed models", before: "a/b, c", after: "", changed: true },
      { label: "Max input tokens", before: "12,000", after: "", changed: true },
      { label: "Approval timeout", before: "300 s (default)", after: "", changed: true },
    ]);
  });

  it("finds nothing changed between a version and itself", () => {
    expect(compareSpecs(v1, v1).some((c) => c.changed)).toBe(false);
  });
});

describe("highlighting a dry-run's matches", () => {
  const rule = (name: string, matches: [string, number, number][]): DryRunResult["rules"][number] => ({
    id: name,
    name,
    version: 1,
    tier: "before",
    action: "redact",
    matches: matches.map(([kind, start, end]) => ({ detector: "pii", kind, start, end, fingerprint: "f" })),
  });

  it("cuts the sample at every match, overlapping ones included", () => {
    const text = "write to ada@example.com today";
    const segments = segmentsOf(text, [rule("A", [["email", 9, 24]]), rule("B", [["word", 13, 20]])]);
    expect(segments.map((s) => [s.text, hitLabel(s.hits)])).toEqual([
      ["write to ", ""],
      ["ada@", "email (A)"],
      ["example", "email (A); word (B)"],
      [".com", "email (A)"],
      [" today", ""],
    ]);
    expect(segments.map((s) => s.text).join("")).toBe(text);
  });

  it("returns the sample as one plain run without matches", () => {
    expect(segmentsOf("nothing here", [rule("A", [])])).toEqual([
      { text: "nothing here", start: 0, hits: [] },
    ]);
  });
});
