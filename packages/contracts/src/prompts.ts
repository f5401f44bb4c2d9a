import { z } from "zod";
import { defineTopic } from "./topics.ts";

/** What a prompt is: a template rendered with variables, or a persona calls are made with. */
export const PromptKind = z.enum(["template", "persona"]);
export type PromptKind = z.infer<typeof PromptKind>;

/** The model id prefix of a persona on the OpenAI-compatible API: `persona/<slug>[@<label>]`. */
export const PERSONA_MODEL_PREFIX = "persona/";

/** A variable's name, as written in a placeholder `{{name}}`. */
export const VariableName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "letters, digits and _, not starting with a digit");

/** The types a template variable can have. */
export const VariableType = z.enum(["string", "number", "boolean", "enum"]);
export type VariableType = z.infer<typeof VariableType>;

/** A template variable as declared in a version. */
export const TemplateVariable = z
  .strictObject({
    name: VariableName,
    type: VariableType,
    description: z.string().trim().max(500).optional(),
    /** The allowed values of an `enum` variable (and only of one). */
    options: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
    required: z.boolean().default(true),
    default: z.union([z.string().max(10_000), z.number(), z.boolean()]).optional(),
  })
  .meta({ id: "TemplateVariable" });
export type TemplateVariable = z.infer<typeof TemplateVariable>;

/** A template's content: text with `{{name}}` placeholders, and the variables they name. */
export const TemplateContent = z
  .strictObject({
    kind: z.literal("template"),
    text: z.string().min(1).max(50_000),
    variables: z.array(TemplateVariable).max(50).default([]),
  })
  .meta({ id: "TemplateContent" });
export type TemplateContent = z.infer<typeof TemplateContent>;

/** A persona's content: what a call made with it is given. */
export const PersonaContent = z
  .strictObject({
    kind: z.literal("persona"),
    instructions: z.string().max(50_000),
    /** A model id or alias; null: the call's own model (the first enabled one on the gateway). */
    model: z.string().trim().min(1).max(200).nullable().default(null),
    temperature: z.number().min(0).max(2).nullable().default(null),
    maxOutputTokens: z.number().int().min(1).max(1_000_000).nullable().default(null),
  })
  .meta({ id: "PersonaContent" });
export type PersonaContent = z.infer<typeof PersonaContent>;

/** One version's content, by kind. */
export const PromptContent = z.discriminatedUnion("kind", [TemplateContent, PersonaContent]);
export type PromptContent = z.infer<typeof PromptContent>;

/** A label's name: `production`, `staging`, or your own. */
export const LabelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, "lowercase letters, digits, . _ -; at most 40 characters");

/** One version a label sends a share of the traffic to. */
export const LabelTarget = z.strictObject({
  version: z.number().int().min(1),
  /** A share, relative to the other target's (90 and 10: nine users in ten get the first). */
  weight: z.number().int().min(1).max(10_000),
});
export type LabelTarget = z.infer<typeof LabelTarget>;

/** What a label points at: one version, or two with weights (an A/B split). */
export const LabelSplit = z
  .array(LabelTarget)
  .min(1)
  .max(2)
  .refine((t) => t.length < 2 || t[0]?.version !== t[1]?.version, "the two versions must differ");

/** A label of a prompt. */
export const PromptLabel = z
  .object({
    label: z.string(),
    versions: z.array(LabelTarget),
    protected: z.boolean(),
    updatedBy: z.string().nullable(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "PromptLabel" });
export type PromptLabel = z.infer<typeof PromptLabel>;

/** A prompt with its current version. */
export const Prompt = z
  .object({
    id: z.string(),
    teamId: z.string(),
    kind: PromptKind,
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    currentVersion: z.number().int(),
    content: PromptContent,
    labels: z.array(PromptLabel),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Prompt" });
export type Prompt = z.infer<typeof Prompt>;

/** One immutable version of a prompt. */
export const PromptVersion = z
  .object({
    promptId: z.string(),
    version: z.number().int(),
    name: z.string(),
    description: z.string(),
    content: PromptContent,
    note: z.string(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "PromptVersion" });
export type PromptVersion = z.infer<typeof PromptVersion>;

const Name = z.string().trim().min(1).max(100);
const Description = z.string().trim().max(2000);
const Note = z.string().trim().max(500);

/** A new prompt in a team: its first version. */
export const CreatePromptRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    name: Name,
    /** Derived from the name when absent; unique in the team. */
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lowercase letters, digits and dashes; at most 40 characters")
      .optional(),
    description: Description.optional(),
    content: PromptContent,
    note: Note.optional(),
  })
  .meta({ id: "CreatePromptRequest" });
export type CreatePromptRequest = z.input<typeof CreatePromptRequest>;

/** A new version, made from `expectedVersion` (409 otherwise); the kind cannot change. */
export const UpdatePromptRequest = z
  .strictObject({
    expectedVersion: z.number().int().min(1),
    name: Name.optional(),
    description: Description.optional(),
    content: PromptContent,
    note: Note.optional(),
  })
  .meta({ id: "UpdatePromptRequest" });
export type UpdatePromptRequest = z.input<typeof UpdatePromptRequest>;

export const PromptListQuery = z.strictObject({
  teamId: z.string().max(100).optional(),
  kind: PromptKind.optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type PromptListQuery = z.infer<typeof PromptListQuery>;

export const PromptVersionParams = z.strictObject({
  id: z.string().min(1).max(100),
  /** A positive integer; anything else is no version (404). */
  version: z.string().min(1).max(100),
});

export const PromptDiffQuery = z.strictObject({
  from: z.coerce.number().int().min(1),
  to: z.coerce.number().int().min(1),
});

/** A hunk of a line diff (as `diff`'s structured patch: lines start with " ", "-" or "+"). */
export const DiffHunk = z.object({
  oldStart: z.number().int(),
  oldLines: z.number().int(),
  newStart: z.number().int(),
  newLines: z.number().int(),
  lines: z.array(z.string()),
});
export type DiffHunk = z.infer<typeof DiffHunk>;

/** The line diff of two versions' texts (see ADR 0026 for the text a version is shown as). */
export const PromptDiff = z
  .object({
    promptId: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    hunks: z.array(DiffHunk),
    added: z.number().int(),
    removed: z.number().int(),
  })
  .meta({ id: "PromptDiff" });
export type PromptDiff = z.infer<typeof PromptDiff>;

/** `POST …/render`: the variables, and which version (else the label's, else the current one). */
export const RenderPromptRequest = z
  .strictObject({
    variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    version: z.number().int().min(1).optional(),
    label: LabelName.optional(),
  })
  .meta({ id: "RenderPromptRequest" });
export type RenderPromptRequest = z.input<typeof RenderPromptRequest>;

export const RenderedPrompt = z
  .object({ promptId: z.string(), version: z.number().int(), text: z.string() })
  .meta({ id: "RenderedPrompt" });
export type RenderedPrompt = z.infer<typeof RenderedPrompt>;

export const LabelParams = z.strictObject({ id: z.string().min(1).max(100), label: LabelName });

/**
 * `PUT …/labels/{label}`: point it at one version (`version`) or split it between two
 * (`versions`), and/or protect or unprotect it. A protected label changes only once someone else
 * with `prompts:approve` approves: the answer is then 202 with the pending request.
 */
export const MoveLabelRequest = z
  .strictObject({
    version: z.number().int().min(1).optional(),
    versions: LabelSplit.optional(),
    protected: z.boolean().optional(),
    /** Why: shown to the approver. */
    reason: z.string().trim().max(500).optional(),
  })
  .refine((b) => !(b.version !== undefined && b.versions !== undefined), "give version or versions, not both")
  .refine(
    (b) => b.version !== undefined || b.versions !== undefined || b.protected !== undefined,
    "give version, versions or protected",
  )
  .meta({ id: "MoveLabelRequest" });
export type MoveLabelRequest = z.input<typeof MoveLabelRequest>;

export const LabelChangeStatus = z.enum(["pending", "approved", "denied"]);
export type LabelChangeStatus = z.infer<typeof LabelChangeStatus>;

/** A requested change of a protected label, waiting for (or given) another person's decision. */
export const LabelChangeRequest = z
  .object({
    id: z.string(),
    promptId: z.string(),
    teamId: z.string(),
    label: z.string(),
    /** The split asked for; null: unchanged. */
    versions: z.array(LabelTarget).nullable(),
    /** The protection asked for; null: unchanged. */
    protected: z.boolean().nullable(),
    status: LabelChangeStatus,
    requestedBy: z.string().nullable(),
    /** The API key it was requested with, if any. */
    requestedWithKey: z.string().nullable(),
    requestReason: z.string(),
    decidedBy: z.string().nullable(),
    decisionReason: z.string().nullable(),
    decidedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "LabelChangeRequest" });
export type LabelChangeRequest = z.infer<typeof LabelChangeRequest>;

/** What `PUT …/labels/{label}` answers: the label as it is now, or the request it made (202). */
export const MoveLabelResult = z
  .object({ label: PromptLabel.nullable(), request: LabelChangeRequest.nullable() })
  .meta({ id: "MoveLabelResult" });
export type MoveLabelResult = z.infer<typeof MoveLabelResult>;

export const LabelRequestParams = z.strictObject({
  requestId: z.string().min(1).max(100),
});

export const LabelRequestListQuery = z.strictObject({
  teamId: z.string().max(100).optional(),
  promptId: z.string().max(100).optional(),
  status: LabelChangeStatus.default("pending"),
});

/** Approving may say why; denying must. */
export const ApproveLabelChange = z
  .strictObject({ reason: z.string().trim().max(500).optional() })
  .meta({ id: "ApproveLabelChange" });
export const DenyLabelChange = z
  .strictObject({ reason: z.string().trim().min(1).max(500) })
  .meta({ id: "DenyLabelChange" });

/** Per version: what calls made with it did and what people thought of its answers. */
export const PromptVersionStats = z.object({
  version: z.number().int(),
  calls: z.number().int(),
  failures: z.number().int(),
  /** failures / calls, 0 without calls. */
  failureRate: z.number(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costMicros: z.number().int(),
  thumbsUp: z.number().int(),
  thumbsDown: z.number().int(),
});
export type PromptVersionStats = z.infer<typeof PromptVersionStats>;

export const PromptStats = z
  .object({ promptId: z.string(), versions: z.array(PromptVersionStats) })
  .meta({ id: "PromptStats" });
export type PromptStats = z.infer<typeof PromptStats>;

/** Bus payload: a prompt's versions, labels or label requests changed (on pod `pod`). */
export const PromptChanged = z.object({
  promptId: z.string(),
  change: z.enum(["created", "versioned", "label", "request", "deleted"]),
  pod: z.string(),
});
export type PromptChanged = z.infer<typeof PromptChanged>;

/** The prompts module's bus topics. */
export const promptTopics = {
  /** Every pod drops its cached label resolutions of the prompt (at most once is enough: a TTL backs it). */
  changed: defineTopic({ name: "prompts.changed", kind: "event", schema: PromptChanged }),
};
