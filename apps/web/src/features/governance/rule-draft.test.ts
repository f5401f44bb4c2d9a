import type { RuleSpec } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api.ts";
import { draftOf, newDetector, specOf, validateDraft } from "./rule-draft.ts";
import { fieldOf, serverFieldErrors } from "./server-field-errors.ts";

const spec: RuleSpec = {
  name: "Secrets and PII",
  tier: "before",
  scope: { surfaces: ["chat", "gateway"], models: ["fake/fake-model"], assistantId: "a1" },
  condition: {
    detectors: [
      { type: "secrets" },
      { type: "pii", kinds: ["email", "iban"] },
      { type: "regex", pattern: "ticket-\\d+", flags: "i" },
      { type: "keywords", words: ["project falcon", "codename"] },
    ],
  },
  action: "redact",
  failOpen: true,
};

describe("the rule form's draft", () => {
  it("turns a spec into a draft and back without losing a field, the assistant kept", () => {
    expect(specOf(draftOf(spec))).toEqual(spec);
  });

  it("leaves empty optional fields out, as the contract wants them", () => {
    const draft = { ...draftOf(null), name: "  Emails ", description: "  " };
    expect(specOf(draft)).toEqual({
      name: "Emails",
      tier: "before",
      scope: {},
      condition: { detectors: [{ type: "pii", kinds: ["email"] }] },
      action: "block",
    });
  });

  it("reads keywords one per line, ignoring blank lines and spaces around", () => {
    const draft = {
      ...draftOf(null),
      name: "K",
      detectors: [{ ...newDetector("keywords"), words: " a \n\n b\n" }],
    };
    expect(specOf(draft).condition.detectors).toEqual([{ type: "keywords", words: ["a", "b"] }]);
  });

  it("finds what the contract would refuse, by field", () => {
    const draft = {
      ...draftOf(null),
      name: " ",
      detectors: [
        { ...newDetector("pii"), kinds: [] },
        { ...newDetector("regex"), flags: "g" },
        { ...newDetector("keywords"), words: "\n" },
      ],
    };
    expect(validateDraft(draft)).toEqual({
      name: "Give the rule a name.",
      "condition.detectors.0.kinds": "Pick at least one kind of personal data.",
      "condition.detectors.1.pattern": "Write the pattern to look for.",
      "condition.detectors.1.flags": "Only the flags i, m and s are allowed.",
      "condition.detectors.2.words": "Write at least one keyword.",
    });
    expect(validateDraft({ ...draftOf(null), name: "ok", detectors: [] })).toEqual({
      condition: "Set at least one condition: a detector, or a limit this tier checks.",
    });
    expect(validateDraft(draftOf(spec))).toEqual({});
  });
});

describe("the rule form's other conditions", () => {
  const limits = {
    allowedModels: " fake/fake-model \n\n alias-b",
    maxInputTokens: "4000",
    maxOutputTokens: "800",
    maxCost: "0.05",
    requireValidJson: true,
  };

  it("sends only the conditions the tier checks, the cost in micro-units", () => {
    const draft = { ...draftOf(null), name: "Limits", detectors: [], limits };
    expect(specOf(draft).condition).toEqual({
      allowedModels: ["fake/fake-model", "alias-b"],
      maxInputTokens: 4000,
    });
    expect(specOf({ ...draft, tier: "during" }).condition).toEqual({ maxOutputTokens: 800 });
    expect(specOf({ ...draft, tier: "after" }).condition).toEqual({
      maxOutputTokens: 800,
      maxCostMicros: 50_000,
      requireValidJson: true,
    });
  });

  it("turns a spec with limits and an approval timeout into a draft and back", () => {
    const held: RuleSpec = {
      name: "Big prompts wait",
      tier: "before",
      scope: {},
      condition: { allowedModels: ["a/b"], maxInputTokens: 10_000 },
      action: "require_approval",
      approvalTimeoutSeconds: 600,
    };
    expect(specOf(draftOf(held))).toEqual(held);
    const costly: RuleSpec = {
      ...held,
      tier: "after",
      action: "warn",
      condition: { maxCostMicros: 1_500_001 },
    };
    delete costly.approvalTimeoutSeconds;
    expect(draftOf(costly).limits.maxCost).toBe("1.500001");
    expect(specOf(draftOf(costly))).toEqual(costly);
  });

  it("refuses limits, actions and timeouts as the contract does", () => {
    const base = { ...draftOf(null), name: "L", detectors: [] };
    expect(
      validateDraft({
        ...base,
        limits: { ...limits, maxInputTokens: "1.5", allowedModels: "" },
        action: "require_approval",
        approvalTimeout: "90000",
      }),
    ).toEqual({
      "condition.maxInputTokens": "A whole number of tokens, at least 1.",
      approvalTimeoutSeconds: "Whole seconds from 1 to 86,400 (a day).",
    });
    expect(validateDraft({ ...base, tier: "after", limits: { ...limits, maxCost: "0.0000001" } })).toEqual({
      "condition.maxCostMicros": "An amount such as 0.05, with at most six decimals.",
    });
    expect(validateDraft({ ...base, tier: "after", action: "redact", limits })).toEqual({
      action:
        "An after rule sees the answer once it was delivered: it can block, warn or record, not redact.",
    });
    expect(validateDraft({ ...base, tier: "during", action: "require_approval", limits })).toEqual({
      action: "Only a rule before the call can hold it for approval.",
    });
    expect(validateDraft({ ...base, action: "redact", limits })).toEqual({
      action: "Redact needs a detector: only what a detector finds can be replaced.",
    });
    // A limit only another tier checks is no condition here.
    expect(validateDraft({ ...base, tier: "during", limits: { ...limits, maxOutputTokens: "" } })).toEqual({
      condition: "Set at least one condition: a detector, or a limit this tier checks.",
    });
  });
});

describe("the server's refusals beside the fields", () => {
  it("maps request paths to the form's fields", () => {
    expect(fieldOf("spec.name")).toBe("name");
    expect(fieldOf("spec.condition.detectors.2.words.7")).toBe("condition.detectors.2.words");
    expect(fieldOf("spec.condition.detectors.0")).toBe("condition.detectors.0");
    expect(fieldOf("spec.scope.models.0")).toBe("scope.models");
    expect(fieldOf("spec.condition")).toBe("condition");
    expect(fieldOf("spec.condition.maxCostMicros")).toBe("condition.maxCostMicros");
    expect(fieldOf("spec.condition.allowedModels.3")).toBe("condition.allowedModels");
    expect(fieldOf("spec.approvalTimeoutSeconds")).toBe("approvalTimeoutSeconds");
    expect(fieldOf("expectedVersion")).toBe("");
  });

  it("reads schema issues and a detector the service could not build", () => {
    const schema = new ApiError(400, "validation.failed", "Invalid request", {
      issues: [
        { location: "body", path: "spec.name", message: "Too big" },
        { location: "body", path: "spec.condition.detectors.1.pattern", message: "Too long" },
      ],
    });
    expect(serverFieldErrors(schema)).toEqual({
      name: "Too big",
      "condition.detectors.1.pattern": "Too long",
    });
    const unbuildable = new ApiError(400, "validation.failed", "Detector 1 (regex): bad", {
      path: "spec.condition.detectors.0",
      reason: "invalid pattern: missing )",
    });
    expect(serverFieldErrors(unbuildable)).toEqual({ "condition.detectors.0": "invalid pattern: missing )" });
    expect(serverFieldErrors(new ApiError(409, "governance.rule_version_conflict", "changed"))).toEqual({});
  });
});
