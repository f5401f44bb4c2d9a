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
      "condition.detectors": "Add at least one detector.",
    });
    expect(validateDraft(draftOf(spec))).toEqual({});
  });
});

describe("the server's refusals beside the fields", () => {
  it("maps request paths to the form's fields", () => {
    expect(fieldOf("spec.name")).toBe("name");
    expect(fieldOf("spec.condition.detectors.2.words.7")).toBe("condition.detectors.2.words");
    expect(fieldOf("spec.condition.detectors.0")).toBe("condition.detectors.0");
    expect(fieldOf("spec.scope.models.0")).toBe("scope.models");
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
