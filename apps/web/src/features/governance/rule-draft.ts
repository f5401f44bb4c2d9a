import type { DetectorSpec, PiiKind, RuleAction, RuleSpec, RuleSurface, RuleTier } from "@parley/contracts";
import {
  actionRefusal,
  limitsOf,
  limitsSpecOf,
  validateLimits,
  type LimitsDraft,
} from "./rule-condition-draft.ts";

/** The longest pattern and the most words a detector takes (`MAX_DETECTOR_*` in the contract). */
const MAX_PATTERN = 1_000;
const MAX_WORDS = 1_000;
const MAX_DETECTORS = 10;
const MAX_MODELS = 100;

/** One detector as the form holds it: every type's fields, so switching type keeps what was typed. */
export interface DetectorDraft {
  /** A key for React's list; not sent. */
  key: number;
  type: DetectorSpec["type"];
  kinds: PiiKind[];
  pattern: string;
  flags: string;
  /** Keywords, one per line. */
  words: string;
}

/** A rule as the form holds it. */
export interface RuleDraft {
  name: string;
  description: string;
  tier: RuleTier;
  action: RuleAction;
  /** None: every surface. */
  surfaces: RuleSurface[];
  projectId: string;
  /** Kept from the rule as it was (the form does not offer it). */
  assistantId: string;
  /** None: every model. */
  models: string[];
  /** None: the condition has no detectors (another condition must be set). */
  detectors: DetectorDraft[];
  /** The conditions besides detectors; those the tier does not check are kept but not sent. */
  limits: LimitsDraft;
  failOpen: boolean;
  /** `require_approval`: seconds a held call waits, as typed; empty: the server's default. */
  approvalTimeout: string;
}

/** Problems found in a draft, by field path (`name`, `condition.detectors.0.pattern`, …). */
export type FieldErrors = Record<string, string>;

let nextKey = 1;

/** A new detector of `type`, with the fields of the others empty. */
export function newDetector(type: DetectorSpec["type"] = "pii"): DetectorDraft {
  return { key: nextKey++, type, kinds: type === "pii" ? ["email"] : [], pattern: "", flags: "", words: "" };
}

/** The form's state for `spec`, or for a new rule. */
export function draftOf(spec: RuleSpec | null): RuleDraft {
  return {
    name: spec?.name ?? "",
    description: spec?.description ?? "",
    tier: spec?.tier ?? "before",
    action: spec?.action ?? "block",
    surfaces: spec?.scope.surfaces ?? [],
    projectId: spec?.scope.projectId ?? "",
    assistantId: spec?.scope.assistantId ?? "",
    models: spec?.scope.models ?? [],
    detectors: spec
      ? (spec.condition.detectors ?? []).map((d) => ({
          ...newDetector(d.type),
          kinds: d.type === "pii" ? d.kinds : [],
          pattern: d.type === "regex" ? d.pattern : "",
          flags: d.type === "regex" ? (d.flags ?? "") : "",
          words: d.type === "keywords" ? d.words.join("\n") : "",
        }))
      : [newDetector("pii")],
    limits: limitsOf(spec?.condition),
    failOpen: spec?.failOpen ?? false,
    approvalTimeout: spec?.approvalTimeoutSeconds?.toString() ?? "",
  };
}

/** The keywords of a textarea: one per line, blank lines dropped. */
export function wordsOf(text: string): string[] {
  return text
    .split("\n")
    .map((w) => w.trim())
    .filter(Boolean);
}

function detectorSpecOf(d: DetectorDraft): DetectorSpec {
  switch (d.type) {
    case "secrets":
      return { type: "secrets" };
    case "pii":
      return { type: "pii", kinds: d.kinds };
    case "regex":
      return { type: "regex", pattern: d.pattern, ...(d.flags ? { flags: d.flags } : {}) };
    case "keywords":
      return { type: "keywords", words: wordsOf(d.words) };
  }
}

/**
 * The spec a draft stands for, as `RuleSpec` takes it: empty optional fields left out.
 * @example
 * specOf(draftOf(null)).condition.detectors // [{ type: "pii", kinds: ["email"] }]
 */
export function specOf(d: RuleDraft): RuleSpec {
  const description = d.description.trim();
  return {
    name: d.name.trim(),
    ...(description ? { description } : {}),
    tier: d.tier,
    scope: {
      ...(d.surfaces.length ? { surfaces: d.surfaces } : {}),
      ...(d.projectId ? { projectId: d.projectId } : {}),
      ...(d.assistantId ? { assistantId: d.assistantId } : {}),
      ...(d.models.length ? { models: d.models } : {}),
    },
    condition: {
      ...(d.detectors.length ? { detectors: d.detectors.map(detectorSpecOf) } : {}),
      ...limitsSpecOf(d.limits, d.tier),
    },
    action: d.action,
    ...(d.failOpen ? { failOpen: true } : {}),
    ...(d.action === "require_approval" && d.approvalTimeout.trim()
      ? { approvalTimeoutSeconds: Number(d.approvalTimeout) }
      : {}),
  };
}

/**
 * What `RuleSpec` would refuse in a draft, checked before sending so a person learns it next to
 * the field (the server checks again, and also that a pattern compiles).
 * @example
 * validateDraft({ ...draftOf(null), name: " " }).name // "Give the rule a name."
 */
export function validateDraft(d: RuleDraft): FieldErrors {
  const errors: FieldErrors = {};
  const name = d.name.trim();
  if (!name) errors.name = "Give the rule a name.";
  else if (name.length > 100) errors.name = "At most 100 characters.";
  if (d.description.trim().length > 2000) errors.description = "At most 2,000 characters.";
  if (d.models.length > MAX_MODELS) errors["scope.models"] = `At most ${MAX_MODELS} models.`;
  if (d.detectors.length > MAX_DETECTORS)
    errors["condition.detectors"] = `At most ${MAX_DETECTORS} detectors.`;
  Object.assign(errors, validateLimits(d.limits, d.tier));
  const condition = specOf(d).condition;
  const limitProblem = Object.keys(errors).some((k) => k.startsWith("condition."));
  if (Object.keys(condition).length === 0 && !limitProblem)
    errors.condition = "Set at least one condition: a detector, or a limit this tier checks.";
  const refusal = actionRefusal(d.action, d.tier);
  if (refusal) errors.action = refusal;
  else if (d.action === "redact" && !condition.detectors)
    errors.action = "Redact needs a detector: only what a detector finds can be replaced.";
  if (d.action === "require_approval" && d.approvalTimeout.trim()) {
    const t = d.approvalTimeout.trim();
    if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 86_400)
      errors.approvalTimeoutSeconds = "Whole seconds from 1 to 86,400 (a day).";
  }
  d.detectors.forEach((detector, i) => {
    const at = `condition.detectors.${i}`;
    if (detector.type === "pii" && detector.kinds.length === 0)
      errors[`${at}.kinds`] = "Pick at least one kind of personal data.";
    if (detector.type === "regex") {
      if (!detector.pattern) errors[`${at}.pattern`] = "Write the pattern to look for.";
      else if (detector.pattern.length > MAX_PATTERN) errors[`${at}.pattern`] = "At most 1,000 characters.";
      if (!/^[ims]*$/.test(detector.flags)) errors[`${at}.flags`] = "Only the flags i, m and s are allowed.";
    }
    if (detector.type === "keywords") {
      const words = wordsOf(detector.words);
      if (words.length === 0) errors[`${at}.words`] = "Write at least one keyword.";
      else if (words.length > MAX_WORDS) errors[`${at}.words`] = "At most 1,000 keywords.";
      else if (words.some((w) => w.length > 200))
        errors[`${at}.words`] = "A keyword has at most 200 characters.";
    }
  });
  return errors;
}
