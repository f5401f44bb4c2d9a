import { z } from "zod";
import { defineTopic } from "./topics.ts";

/** The PII kinds the `pii` detector can look for. */
export const PiiKind = z.enum(["email", "phone", "card", "iban", "ip"]);
export type PiiKind = z.infer<typeof PiiKind>;

/** The longest user-given pattern a `regex` detector accepts, in characters. */
export const MAX_DETECTOR_PATTERN_CHARS = 1_000;
/** The most words a `keywords` detector accepts. */
export const MAX_DETECTOR_KEYWORDS = 1_000;

/**
 * What a governance rule's condition is built from: one detector, as stored in a rule.
 *
 * @example
 * DetectorSpec.parse({ type: "pii", kinds: ["email", "card"] });
 */
export const DetectorSpec = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("secrets") }),
    z.object({ type: z.literal("pii"), kinds: z.array(PiiKind).min(1) }),
    z.object({
      type: z.literal("regex"),
      pattern: z.string().min(1).max(MAX_DETECTOR_PATTERN_CHARS),
      /** JavaScript flags; only `i`, `m` and `s` change a detector (it always scans globally). */
      flags: z
        .string()
        .regex(/^[ims]*$/, "only the flags i, m and s are allowed")
        .optional(),
    }),
    z.object({
      type: z.literal("keywords"),
      words: z.array(z.string().trim().min(1).max(200)).min(1).max(MAX_DETECTOR_KEYWORDS),
    }),
  ])
  .meta({ id: "DetectorSpec" });
export type DetectorSpec = z.infer<typeof DetectorSpec>;

/** The longest text the dry-run endpoint evaluates, in characters. */
export const MAX_DRY_RUN_TEXT_CHARS = 100_000;

/** Where a rule applies. */
export const RuleSurface = z.enum(["chat", "gateway", "widget", "bot", "mcp", "guides", "knowledge", "ops"]);
export type RuleSurface = z.infer<typeof RuleSurface>;
/** When a rule runs: before the call, on the stream, after the answer. */
export const RuleTier = z.enum(["before", "during", "after"]);
export type RuleTier = z.infer<typeof RuleTier>;
/** What a rule does when its condition matches. */
export const RuleAction = z.enum(["block", "redact", "warn", "require_approval", "record"]);
export type RuleAction = z.infer<typeof RuleAction>;

/**
 * When a rule matches: every condition it names must hold (at least one). Detectors look at the
 * prompt (before), the answer as it streams (during) or the whole answer (after); the other
 * conditions are the call's model and size.
 */
export const RuleCondition = z
  .strictObject({
    detectors: z.array(DetectorSpec).min(1).max(10).optional(),
    /** Matches a call to any other model (ids or aliases, as the caller named the model). */
    allowedModels: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
    /** Matches a prompt estimated above this many tokens (4 characters a token). */
    maxInputTokens: z.number().int().min(1).max(100_000_000).optional(),
    /** Matches an answer above this many tokens: as it streams (during), or as the provider counted (after). */
    maxOutputTokens: z.number().int().min(1).max(100_000_000).optional(),
    /** Matches a call that cost more than this, in micro-units of the price table's currency. */
    maxCostMicros: z.number().int().min(1).optional(),
    /** Matches an answer that is not valid JSON when the call asked for JSON output. */
    requireValidJson: z.literal(true).optional(),
  })
  .refine((c) => Object.keys(c).length > 0, {
    message:
      "a condition needs at least one of detectors, allowedModels, maxInputTokens, maxOutputTokens, maxCostMicros, requireValidJson",
  })
  .meta({ id: "RuleCondition" });
export type RuleCondition = z.infer<typeof RuleCondition>;

/** The tiers each condition can be checked in. */
export const CONDITION_TIERS: Readonly<Record<keyof RuleCondition, readonly RuleTier[]>> = {
  detectors: ["before", "during", "after"],
  allowedModels: ["before"],
  maxInputTokens: ["before"],
  maxOutputTokens: ["during", "after"],
  maxCostMicros: ["after"],
  requireValidJson: ["after"],
};

/** One version of a governance rule, as stored (versions are immutable). */
export const RuleSpec = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(2000).optional(),
    tier: RuleTier,
    scope: z.strictObject({
      surfaces: z.array(RuleSurface).min(1).optional(),
      projectId: z.string().min(1).max(100).optional(),
      assistantId: z.string().min(1).max(100).optional(),
      models: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
    }),
    condition: RuleCondition,
    action: RuleAction,
    /** A detector that errors blocks the call unless this is true. */
    failOpen: z.boolean().optional(),
    /** `require_approval`: how long a held call waits for a decision; none by then means denied. */
    approvalTimeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .superRefine((spec, ctx) => {
    const tiers = CONDITION_TIERS;
    for (const key of Object.keys(spec.condition) as (keyof typeof tiers)[]) {
      if (spec.condition[key] === undefined || tiers[key].includes(spec.tier)) continue;
      ctx.addIssue({
        code: "custom",
        path: ["condition", key],
        message: `${key} applies to the ${tiers[key].join(" or ")} tier, not ${spec.tier}`,
      });
    }
    if (spec.action === "redact" && !spec.condition.detectors) {
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "redact needs detectors: only found text can be replaced",
      });
    }
    if (spec.action === "redact" && spec.tier === "after") {
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "an after rule sees the answer once it was delivered: it can block, warn or record",
      });
    }
    if (spec.approvalTimeoutSeconds !== undefined && spec.action !== "require_approval") {
      ctx.addIssue({
        code: "custom",
        path: ["approvalTimeoutSeconds"],
        message: "only a require_approval rule waits for a decision",
      });
    }
    if (spec.action === "require_approval" && spec.tier !== "before") {
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "only a before rule can hold a call for approval",
      });
    }
  })
  .meta({ id: "RuleSpec" });
export type RuleSpec = z.infer<typeof RuleSpec>;

/** A governance rule with its current version's spec. */
export const GovernanceRule = z
  .object({
    id: z.string(),
    /** Null: organisation-wide. */
    teamId: z.string().nullable(),
    name: z.string(),
    currentVersion: z.number().int(),
    enabled: z.boolean(),
    spec: RuleSpec,
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "GovernanceRule" });
export type GovernanceRule = z.infer<typeof GovernanceRule>;

/** One immutable version of a rule. */
export const GovernanceRuleVersion = z
  .object({
    ruleId: z.string(),
    version: z.number().int(),
    spec: RuleSpec,
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "GovernanceRuleVersion" });
export type GovernanceRuleVersion = z.infer<typeof GovernanceRuleVersion>;

/** A new rule: in a team, or organisation-wide without `teamId`. */
export const CreateRuleRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100).optional(),
    spec: RuleSpec,
    enabled: z.boolean().optional(),
  })
  .meta({ id: "CreateRuleRequest" });
export type CreateRuleRequest = z.infer<typeof CreateRuleRequest>;

/** A new version; `expectedVersion` is the version the edit was made from (409 otherwise). */
export const UpdateRuleRequest = z
  .strictObject({ expectedVersion: z.number().int().min(1), spec: RuleSpec })
  .meta({ id: "UpdateRuleRequest" });
export type UpdateRuleRequest = z.infer<typeof UpdateRuleRequest>;

export const SetRuleEnabledRequest = z
  .strictObject({ enabled: z.boolean() })
  .meta({ id: "SetRuleEnabledRequest" });
export type SetRuleEnabledRequest = z.infer<typeof SetRuleEnabledRequest>;

export const RuleListQuery = z.strictObject({
  teamId: z.string().max(100).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type RuleListQuery = z.infer<typeof RuleListQuery>;

export const RuleVersionParams = z.strictObject({
  id: z.string().min(1).max(100),
  /** A positive integer; anything else is no version (404). */
  version: z.string().min(1).max(100),
});

/**
 * The recommended rules (`POST /api/v1/governance/rules/recommended`): what a team should not
 * let out, as a starting point to edit. Names are stable: installing again skips the ones there.
 */
export const RECOMMENDED_RULES: readonly RuleSpec[] = [
  {
    name: "No secrets to providers",
    description: "Credentials in a prompt (keys, tokens, private keys) never reach a model provider.",
    tier: "before",
    scope: {},
    condition: { detectors: [{ type: "secrets" }] },
    action: "block",
  },
  {
    name: "Personal data stays here",
    description:
      "E-mail addresses, phone numbers, card numbers and IBANs go to the provider as placeholders and come back restored.",
    tier: "before",
    scope: {},
    condition: { detectors: [{ type: "pii", kinds: ["email", "phone", "card", "iban"] }] },
    action: "redact",
  },
  {
    name: "No secrets in answers",
    description: "An answer that would show a credential stops before it does.",
    tier: "during",
    scope: {},
    condition: { detectors: [{ type: "secrets" }] },
    action: "block",
  },
  {
    name: "No card numbers in answers",
    description: "Card numbers and IBANs in an answer are masked as it streams.",
    tier: "during",
    scope: {},
    condition: { detectors: [{ type: "pii", kinds: ["card", "iban"] }] },
    action: "redact",
  },
];

export const InstallRecommendedRequest = z
  .strictObject({ teamId: z.string().min(1).max(100).optional() })
  .meta({ id: "InstallRecommendedRequest" });
export type InstallRecommendedRequest = z.infer<typeof InstallRecommendedRequest>;

export const DryRunRequest = z
  .strictObject({
    text: z.string().min(1).max(MAX_DRY_RUN_TEXT_CHARS),
    teamId: z.string().min(1).max(100).optional(),
    ruleIds: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
  })
  .meta({ id: "DryRunRequest" });
export type DryRunRequest = z.infer<typeof DryRunRequest>;

/** Where a detector matched: offsets and a SHA-256 of the matched text, never the text. */
export const DryRunMatch = z.object({
  detector: z.string(),
  kind: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  fingerprint: z.string(),
});
export type DryRunMatch = z.infer<typeof DryRunMatch>;

export const DryRunResult = z
  .object({
    rules: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        version: z.number().int(),
        tier: RuleTier,
        action: RuleAction,
        matches: z.array(DryRunMatch),
      }),
    ),
    /** The text with what the matching `redact` rules found replaced by placeholders. */
    redactedText: z.string(),
  })
  .meta({ id: "DryRunResult" });
export type DryRunResult = z.infer<typeof DryRunResult>;

/** What a governance decision did. */
export const DecisionAction = z.enum(["block", "redact", "warn", "record", "hold", "approve", "deny"]);
export type DecisionAction = z.infer<typeof DecisionAction>;

/** A matched span in a decision record: what was found and a SHA-256 of it, never the text. */
export const DecisionMatch = z.object({
  detector: z.string(),
  kind: z.string(),
  fingerprint: z.string(),
});
export type DecisionMatch = z.infer<typeof DecisionMatch>;

/** A decision a rule took on an AI call (also in the hash-chained audit log). */
export const GovernanceDecision = z
  .object({
    id: z.string(),
    at: z.iso.datetime(),
    ruleId: z.string(),
    ruleVersion: z.number().int(),
    ruleName: z.string(),
    teamId: z.string().nullable(),
    projectId: z.string().nullable(),
    assistantId: z.string().nullable(),
    tier: RuleTier,
    surface: z.string(),
    action: DecisionAction,
    /** The user the call was made by (or who decided an approval). */
    actorId: z.string().nullable(),
    apiKeyId: z.string().nullable(),
    requestId: z.string().nullable(),
    model: z.string().nullable(),
    /** What matched: detector kinds and fingerprints, or the condition that held (`allowedModels`). */
    matches: z.array(DecisionMatch),
    /** Why, in words: the condition, or that a check failed and the rule failed closed. */
    reason: z.string(),
  })
  .meta({ id: "GovernanceDecision" });
export type GovernanceDecision = z.infer<typeof GovernanceDecision>;

export const DecisionListQuery = z.strictObject({
  teamId: z.string().max(100).optional(),
  ruleId: z.string().max(100).optional(),
  action: DecisionAction.optional(),
  tier: RuleTier.optional(),
  surface: RuleSurface.optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DecisionListQuery = z.infer<typeof DecisionListQuery>;

export const DecisionSummaryQuery = z.strictObject({
  teamId: z.string().max(100).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});
export type DecisionSummaryQuery = z.infer<typeof DecisionSummaryQuery>;

/** Decisions counted by day (UTC) and action, by rule and by team, for the chart. */
export const DecisionSummary = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    byDay: z.array(z.object({ day: z.string(), action: DecisionAction, count: z.number().int() })),
    byRule: z.array(z.object({ ruleId: z.string(), ruleName: z.string(), count: z.number().int() })),
    byTeam: z.array(z.object({ teamId: z.string().nullable(), count: z.number().int() })),
  })
  .meta({ id: "DecisionSummary" });
export type DecisionSummary = z.infer<typeof DecisionSummary>;

/** Bus payload: a governance rule changed on pod `pod`; the others drop their cached rules. */
export const GovernanceChanged = z.object({ pod: z.string() });

/** Bus payload: approval request `id` was decided (or expired); waiting calls read it again. */
export const ApprovalDecided = z.object({ id: z.string() });

export const governanceTopics = {
  changed: defineTopic({ name: "governance.changed", kind: "event", schema: GovernanceChanged }),
  approvalDecided: defineTopic({
    name: "governance.approval_decided",
    kind: "event",
    schema: ApprovalDecided,
  }),
};

/** The default wait of a call held for approval, in seconds. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 300;

export const ApprovalStatus = z.enum(["pending", "approved", "denied", "expired", "cancelled"]);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** A call a `require_approval` rule holds until someone with `governance:approve` decides. */
export const GovernanceApproval = z
  .object({
    id: z.string(),
    status: ApprovalStatus,
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    ruleId: z.string(),
    ruleVersion: z.number().int(),
    ruleName: z.string(),
    teamId: z.string().nullable(),
    projectId: z.string().nullable(),
    surface: z.string(),
    model: z.string(),
    /** Who asked (the call's user). */
    requesterId: z.string().nullable(),
    requesterEmail: z.string().nullable(),
    /** Why the rule held it: what it found (kinds, never the text). */
    reason: z.string(),
    /** The last message of the prompt, cut to 2,000 characters, with what the rule found masked. */
    preview: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.iso.datetime().nullable(),
    decisionReason: z.string().nullable(),
  })
  .meta({ id: "GovernanceApproval" });
export type GovernanceApproval = z.infer<typeof GovernanceApproval>;

export const ApprovalListQuery = z.strictObject({
  status: ApprovalStatus.optional(),
  teamId: z.string().max(100).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type ApprovalListQuery = z.infer<typeof ApprovalListQuery>;

/** Approving may say why; denying must. */
export const ApproveRequest = z
  .strictObject({ reason: z.string().trim().max(1000).optional() })
  .meta({ id: "ApproveRequest" });
export type ApproveRequest = z.infer<typeof ApproveRequest>;

export const DenyRequest = z
  .strictObject({ reason: z.string().trim().min(1).max(1000) })
  .meta({ id: "DenyRequest" });
export type DenyRequest = z.infer<typeof DenyRequest>;
