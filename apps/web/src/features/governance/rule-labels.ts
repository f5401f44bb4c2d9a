import type { PiiKind, RuleAction, RuleSpec, RuleSurface, RuleTier } from "@parley/contracts";

/** When a rule runs, in words. */
export const TIER_LABELS: Record<RuleTier, string> = {
  before: "Before the call",
  during: "During the answer",
  after: "After the answer",
};

/** What a rule does, in words. */
export const ACTION_LABELS: Record<RuleAction, string> = {
  block: "Block",
  redact: "Redact",
  warn: "Warn",
  require_approval: "Require approval",
  record: "Record only",
};

/** One sentence per action, shown beside the choice. */
export const ACTION_HINTS: Record<RuleAction, string> = {
  block: "The call is refused; the person sees which policy stopped it.",
  redact: "What the detectors find is replaced by placeholders before it goes further.",
  warn: "The call goes on; the person is told what was found.",
  require_approval: "The call waits until someone allowed to approve it does.",
  record: "Nothing changes for the person; the match is recorded in the audit log.",
};

export const SURFACE_LABELS: Record<RuleSurface, string> = {
  chat: "Chat",
  gateway: "Gateway (/v1)",
  widget: "Widget",
  bot: "Bots",
  mcp: "MCP",
  guides: "Guides",
  knowledge: "Knowledge (embeddings)",
  ops: "Ops",
};

export const PII_LABELS: Record<PiiKind, string> = {
  email: "Email addresses",
  phone: "Phone numbers",
  card: "Card numbers",
  iban: "IBANs",
  ip: "IP addresses",
};

export const DETECTOR_LABELS = {
  secrets: "Secrets (keys, tokens, passwords)",
  pii: "Personal data (PII)",
  regex: "Regular expression",
  keywords: "Keywords",
} as const;

/** The tiers, actions, surfaces and PII kinds in the order forms offer them. */
export const TIERS = Object.keys(TIER_LABELS) as RuleTier[];
export const ACTIONS = Object.keys(ACTION_LABELS) as RuleAction[];
export const SURFACES = Object.keys(SURFACE_LABELS) as RuleSurface[];
export const PII_KINDS = Object.keys(PII_LABELS) as PiiKind[];

/**
 * Where a rule applies, in one line.
 * @example
 * scopeSummary({ surfaces: ["chat"], models: ["a/b"] }) // "Chat · 1 model"
 */
export function scopeSummary(scope: RuleSpec["scope"]): string {
  const parts = [scope.surfaces ? scope.surfaces.map((s) => SURFACE_LABELS[s]).join(", ") : "All surfaces"];
  if (scope.projectId) parts.push("one project");
  if (scope.assistantId) parts.push("one assistant");
  if (scope.models) parts.push(`${scope.models.length} ${scope.models.length === 1 ? "model" : "models"}`);
  return parts.join(" · ");
}
