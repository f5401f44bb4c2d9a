import { CONDITION_TIERS, type RuleAction, type RuleCondition, type RuleTier } from "@parley/contracts";

/** The conditions other than detectors, as the form holds them (text as typed, checked on save). */
export interface LimitsDraft {
  /** Model ids or aliases, one per line; none: the condition is not set. */
  allowedModels: string;
  maxInputTokens: string;
  maxOutputTokens: string;
  /** In currency units (dollars, say), as a person writes it; sent in micro-units. */
  maxCost: string;
  requireValidJson: boolean;
}

/** A condition's key in `RuleCondition`, the ones the form offers besides detectors. */
export type LimitKey =
  "allowedModels" | "maxInputTokens" | "maxOutputTokens" | "maxCostMicros" | "requireValidJson";

const MAX_TOKENS = 100_000_000;
const MAX_MODELS = 100;
/** A cost as a person writes it: units with at most six decimals (a micro-unit). */
const COST = /^\d+(\.\d{1,6})?$/;

/** Whether condition `key` is checked in `tier` (`CONDITION_TIERS` of the contract). */
export function conditionApplies(key: keyof RuleCondition, tier: RuleTier): boolean {
  return CONDITION_TIERS[key].includes(tier);
}

/** Why `action` cannot be chosen in `tier`, or null when it can (as `RuleSpec` refuses it). */
export function actionRefusal(action: RuleAction, tier: RuleTier): string | null {
  if (action === "redact" && tier === "after")
    return "An after rule sees the answer once it was delivered: it can block, warn or record, not redact.";
  if (action === "require_approval" && tier !== "before")
    return "Only a rule before the call can hold it for approval.";
  return null;
}

/** The limits of a stored condition, as the form shows them. */
export function limitsOf(condition: RuleCondition | undefined): LimitsDraft {
  return {
    allowedModels: condition?.allowedModels?.join("\n") ?? "",
    maxInputTokens: condition?.maxInputTokens?.toString() ?? "",
    maxOutputTokens: condition?.maxOutputTokens?.toString() ?? "",
    maxCost: condition?.maxCostMicros === undefined ? "" : unitsOf(condition.maxCostMicros),
    requireValidJson: condition?.requireValidJson ?? false,
  };
}

/**
 * Micro-units as currency units, without trailing zeros.
 * @example
 * unitsOf(50_000) // "0.05"
 */
export function unitsOf(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = (micros % 1_000_000).toString().padStart(6, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/**
 * Currency units as written (`"0.05"`) in micro-units, exactly (no floating point), or null.
 * @example
 * microsOf("1.5") // 1_500_000
 */
export function microsOf(text: string): number | null {
  const t = text.trim();
  if (!COST.test(t)) return null;
  const [whole = "0", fraction = ""] = t.split(".");
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, "0"));
}

/** Model names of the textarea: one per line, blank lines dropped. */
export function modelsOf(text: string): string[] {
  return text
    .split("\n")
    .map((m) => m.trim())
    .filter(Boolean);
}

/** The limits that are set and checked in `tier`, as `RuleCondition` takes them. */
export function limitsSpecOf(l: LimitsDraft, tier: RuleTier): Omit<RuleCondition, "detectors"> {
  const on = (key: LimitKey) => conditionApplies(key, tier);
  const models = modelsOf(l.allowedModels);
  const cost = microsOf(l.maxCost);
  return {
    ...(on("allowedModels") && models.length ? { allowedModels: models } : {}),
    ...(on("maxInputTokens") && l.maxInputTokens.trim() ? { maxInputTokens: Number(l.maxInputTokens) } : {}),
    ...(on("maxOutputTokens") && l.maxOutputTokens.trim()
      ? { maxOutputTokens: Number(l.maxOutputTokens) }
      : {}),
    ...(on("maxCostMicros") && cost !== null ? { maxCostMicros: cost } : {}),
    ...(on("requireValidJson") && l.requireValidJson ? { requireValidJson: true as const } : {}),
  };
}

function tokensProblem(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  if (!/^\d+$/.test(t) || Number(t) < 1) return "A whole number of tokens, at least 1.";
  if (Number(t) > MAX_TOKENS) return "At most 100,000,000 tokens.";
  return null;
}

/** What `RuleCondition` would refuse in the limits checked in `tier`, by field path. */
export function validateLimits(l: LimitsDraft, tier: RuleTier): Record<string, string> {
  const errors: Record<string, string> = {};
  const on = (key: LimitKey) => conditionApplies(key, tier);
  const models = modelsOf(l.allowedModels);
  if (on("allowedModels")) {
    if (models.length > MAX_MODELS) errors["condition.allowedModels"] = `At most ${MAX_MODELS} models.`;
    else if (models.some((m) => m.length > 200))
      errors["condition.allowedModels"] = "A model name has at most 200 characters.";
  }
  for (const key of ["maxInputTokens", "maxOutputTokens"] as const) {
    const problem = on(key) ? tokensProblem(l[key]) : null;
    if (problem) errors[`condition.${key}`] = problem;
  }
  if (on("maxCostMicros") && l.maxCost.trim()) {
    const micros = microsOf(l.maxCost);
    if (micros === null)
      errors["condition.maxCostMicros"] = "An amount such as 0.05, with at most six decimals.";
    else if (micros < 1) errors["condition.maxCostMicros"] = "More than zero (at least 0.000001).";
  }
  return errors;
}
