import { z } from "zod";
import { defineTopicFamily } from "./topics.ts";

/** The longest guide a team may keep, in characters of markdown (a longer one is a 413). */
export const MAX_GUIDE_MARKDOWN_CHARS = 256_000;
/** At most this many tasks (checkboxes) in one guide. */
export const MAX_GUIDE_TASKS = 2_000;
/** At most this many tags on a guide. */
export const MAX_GUIDE_TAGS = 20;

/** Where a guide stands: derived from its tasks, unless someone set it. */
export const GuideStatus = z.enum(["not_started", "in_progress", "completed"]);
export type GuideStatus = z.infer<typeof GuideStatus>;

/** Where a task stands: `done` is a ticked box; `in_progress` was started and not ticked yet. */
export const TaskStatus = z.enum(["open", "in_progress", "done"]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** A time estimate in minutes: the likeliest figure and a range around it. */
export const TaskEstimate = z
  .strictObject({
    minutes: z.number().int().min(1).max(100_000),
    low: z.number().int().min(1).max(100_000),
    high: z.number().int().min(1).max(100_000),
  })
  .refine((e) => e.low <= e.minutes && e.minutes <= e.high, "low ≤ minutes ≤ high")
  .meta({ id: "TaskEstimate" });
export type TaskEstimate = z.infer<typeof TaskEstimate>;

/** A checkbox of a guide's markdown, with what Parley knows of it. */
export const GuideTask = z
  .object({
    /** Stable across edits of the markdown around it (and of its own wording, within reason). */
    id: z.string(),
    text: z.string(),
    status: TaskStatus,
    /** 0 for a top-level task; nested task lists count one more each. */
    depth: z.number().int().min(0),
    parentId: z.string().nullable(),
    /** The headings above the task, outermost first. */
    section: z.array(z.string()),
    /** 1-based line of its checkbox in the markdown. */
    line: z.number().int().min(1),
    startedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
    completedBy: z.string().nullable(),
    /** The estimate given (by the AI draft or a person). */
    estimate: TaskEstimate.nullable(),
    /** The estimate corrected by how long the team's finished tasks took against theirs. */
    calibratedEstimate: TaskEstimate.nullable(),
    /** Minutes from started to ticked, once done (null when it was ticked without being started). */
    actualMinutes: z.number().nullable(),
  })
  .meta({ id: "GuideTask" });
export type GuideTask = z.infer<typeof GuideTask>;

/** Done over total, for the guide and for each section (heading) that holds tasks. */
export const GuideProgress = z
  .object({
    done: z.number().int().min(0),
    total: z.number().int().min(0),
    sections: z.array(
      z.object({
        /** The heading path, outermost first; empty for tasks above every heading. */
        section: z.array(z.string()),
        done: z.number().int().min(0),
        total: z.number().int().min(0),
      }),
    ),
  })
  .meta({ id: "GuideProgress" });
export type GuideProgress = z.infer<typeof GuideProgress>;

/** A guide as lists show it: everything but the markdown and the tasks. */
export const GuideSummary = z
  .object({
    id: z.string(),
    teamId: z.string(),
    projectId: z.string().nullable(),
    title: z.string(),
    description: z.string(),
    status: GuideStatus,
    /** `tasks`: derived from the tasks; `set`: someone set it, and it stays until cleared. */
    statusSource: z.enum(["tasks", "set"]),
    tags: z.array(z.string()),
    ownerId: z.string().nullable(),
    /** Raised by every change; send it back as `expectedVersion` to change the guide safely. */
    version: z.number().int().min(1),
    progress: z.object({ done: z.number().int().min(0), total: z.number().int().min(0) }),
    templateId: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    archivedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "GuideSummary" });
export type GuideSummary = z.infer<typeof GuideSummary>;

/** A guide with its markdown, its tasks and its progress by section. */
export const Guide = GuideSummary.extend({
  content: z.string(),
  tasks: z.array(GuideTask),
  sections: GuideProgress.shape.sections,
}).meta({ id: "Guide" });
export type Guide = z.infer<typeof Guide>;

const Tag = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._/-]*$/u, "letters, digits, spaces and . _ / - only");

const fields = {
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000),
  // The size limit is the service's (413 guide.too_large), not a validation error.
  content: z.string(),
  tags: z.array(Tag).max(MAX_GUIDE_TAGS),
};

/** Template variables: `{{name}}` in a template's markdown and title. */
export const GuideTemplateValues = z.record(z.string().min(1).max(60), z.string().max(2000));

/** `POST /api/v1/guides`: from markdown, or from a template with its variables. */
export const CreateGuideRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    projectId: z.string().min(1).max(100).nullable().optional(),
    /** Required unless a template gives one. */
    title: fields.title.optional(),
    description: fields.description.optional(),
    content: fields.content.optional(),
    templateId: z.string().min(1).max(100).optional(),
    variables: GuideTemplateValues.optional(),
    tags: fields.tags.optional(),
    /** Defaults to the creator. */
    ownerId: z.string().min(1).max(100).nullable().optional(),
    status: GuideStatus.optional(),
    /** The tasks' estimates in task order (null: none), e.g. those of a reviewed AI draft. */
    estimates: z.array(TaskEstimate.nullable()).max(MAX_GUIDE_TASKS).optional(),
  })
  .meta({ id: "CreateGuideRequest" });
export type CreateGuideRequest = z.infer<typeof CreateGuideRequest>;

/**
 * `PATCH /api/v1/guides/{id}`. `expectedVersion` is required with `content` (an edit made on a
 * stale copy is a 409, never silently lost) and optional otherwise. `status: null` lets the tasks
 * decide it again; `archived` archives or restores the guide.
 */
export const UpdateGuideRequest = z
  .strictObject({
    expectedVersion: z.number().int().min(1).optional(),
    title: fields.title.optional(),
    description: fields.description.optional(),
    content: fields.content.optional(),
    tags: fields.tags.optional(),
    projectId: z.string().min(1).max(100).nullable().optional(),
    ownerId: z.string().min(1).max(100).nullable().optional(),
    status: GuideStatus.nullable().optional(),
    archived: z.boolean().optional(),
  })
  .meta({ id: "UpdateGuideRequest" });
export type UpdateGuideRequest = z.infer<typeof UpdateGuideRequest>;

/** `PATCH /api/v1/guides/{id}/tasks/{taskId}`: tick, start or reopen a task, or estimate it. */
export const UpdateTaskRequest = z
  .strictObject({
    status: TaskStatus.optional(),
    /** Shorthand for `status: done` / `open`. */
    done: z.boolean().optional(),
    estimate: TaskEstimate.nullable().optional(),
    /** When given, a guide changed since is a 409. */
    expectedVersion: z.number().int().min(1).optional(),
  })
  .refine((r) => r.status === undefined || r.done === undefined, "give status or done, not both")
  .meta({ id: "UpdateTaskRequest" });
export type UpdateTaskRequest = z.infer<typeof UpdateTaskRequest>;

export const GuideTaskParams = z.strictObject({
  id: z.string().min(1).max(100),
  taskId: z.string().min(1).max(100),
});

/** `GET /api/v1/guides`. */
export const GuideListQuery = z.strictObject({
  teamId: z.string().min(1).max(100).optional(),
  projectId: z.string().min(1).max(100).optional(),
  status: GuideStatus.optional(),
  tag: z.string().trim().min(1).max(40).optional(),
  ownerId: z.string().min(1).max(100).optional(),
  /** Full-text search over title, description and content. */
  q: z.string().trim().min(1).max(200).optional(),
  includeArchived: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type GuideListQuery = z.infer<typeof GuideListQuery>;

/** A variable a template asks for. */
export const GuideTemplateVariable = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(60)
      .regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, "a letter, then letters, digits or _"),
    description: z.string().max(300).default(""),
    required: z.boolean().default(true),
    default: z.string().max(2000).optional(),
  })
  .meta({ id: "GuideTemplateVariable" });
export type GuideTemplateVariable = z.infer<typeof GuideTemplateVariable>;

/** A guide template: built in (no team), or a team's own. */
export const GuideTemplate = z
  .object({
    id: z.string(),
    teamId: z.string().nullable(),
    builtIn: z.boolean(),
    name: z.string(),
    description: z.string(),
    /** The title of guides made from it; may hold variables. */
    title: z.string(),
    content: z.string(),
    variables: z.array(GuideTemplateVariable),
    tags: z.array(z.string()),
    createdAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "GuideTemplate" });
export type GuideTemplate = z.infer<typeof GuideTemplate>;

export const CreateGuideTemplateRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(2000).optional(),
    title: fields.title,
    content: fields.content,
    variables: z.array(GuideTemplateVariable).max(30).optional(),
    tags: fields.tags.optional(),
  })
  .meta({ id: "CreateGuideTemplateRequest" });
export type CreateGuideTemplateRequest = z.input<typeof CreateGuideTemplateRequest>;

export const UpdateGuideTemplateRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().trim().max(2000).optional(),
    title: fields.title.optional(),
    content: fields.content.optional(),
    variables: z.array(GuideTemplateVariable).max(30).optional(),
    tags: fields.tags.optional(),
  })
  .meta({ id: "UpdateGuideTemplateRequest" });
export type UpdateGuideTemplateRequest = z.input<typeof UpdateGuideTemplateRequest>;

export const GuideTemplateListQuery = z.strictObject({ teamId: z.string().min(1).max(100).optional() });

/** What the AI drafts: sections of tasks, each estimated. Also the schema the model answers in. */
export const GuideDraft = z
  .object({
    title: z.string().min(1).max(200),
    description: z.string().max(2000),
    sections: z
      .array(
        z.object({
          heading: z.string().min(1).max(200),
          tasks: z
            .array(
              z.object({
                text: z.string().min(1).max(500),
                estimateMinutes: z.number().int().min(1).max(100_000),
                lowMinutes: z.number().int().min(1).max(100_000),
                highMinutes: z.number().int().min(1).max(100_000),
              }),
            )
            .min(1)
            .max(50),
        }),
      )
      .min(1)
      .max(30),
  })
  .meta({ id: "GuideDraft" });
export type GuideDraft = z.infer<typeof GuideDraft>;

/** `POST /api/v1/guides/draft`: the AI drafts a guide from a description (and code, passages). */
export const DraftGuideRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    projectId: z.string().min(1).max(100).nullable().optional(),
    description: z.string().trim().min(1).max(8000),
    /** A code snippet the work is about. */
    code: z.string().max(40_000).optional(),
    /** A knowledge base of the team to ground the draft in. */
    knowledgeBaseId: z.string().min(1).max(100).optional(),
    /** Model id or alias; the team's first enabled model when absent. */
    model: z.string().min(1).max(200).optional(),
    /** `true` creates the guide from the draft at once. */
    create: z.boolean().default(false),
    tags: fields.tags.optional(),
  })
  .meta({ id: "DraftGuideRequest" });
export type DraftGuideRequest = z.input<typeof DraftGuideRequest>;

export const DraftGuideResponse = z
  .object({
    draft: GuideDraft,
    /** The draft as a guide's markdown. */
    markdown: z.string(),
    model: z.string(),
    /** Set when `create` was asked. */
    guide: Guide.nullable(),
  })
  .meta({ id: "DraftGuideResponse" });
export type DraftGuideResponse = z.infer<typeof DraftGuideResponse>;

/** `POST /api/v1/guides/analyze`: sections a guide about a code snippet should have. */
export const AnalyzeCodeRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    code: z.string().min(1).max(40_000),
    language: z.string().trim().max(40).optional(),
    /** What the work on the code is for, if known. */
    goal: z.string().trim().max(2000).optional(),
    model: z.string().min(1).max(200).optional(),
  })
  .meta({ id: "AnalyzeCodeRequest" });
export type AnalyzeCodeRequest = z.infer<typeof AnalyzeCodeRequest>;

export const CodeAnalysis = z
  .object({
    summary: z.string().max(2000),
    sections: z
      .array(
        z.object({
          heading: z.string().min(1).max(200),
          why: z.string().max(1000),
          tasks: z.array(z.string().min(1).max(500)).max(30),
        }),
      )
      .min(1)
      .max(20),
  })
  .meta({ id: "CodeAnalysis" });
export type CodeAnalysis = z.infer<typeof CodeAnalysis>;

/** `POST /api/v1/guides/{id}/estimate`: the AI estimates the guide's tasks. */
export const EstimateGuideRequest = z
  .strictObject({
    /** `true` (default) estimates only tasks without an estimate. */
    onlyMissing: z.boolean().default(true),
    model: z.string().min(1).max(200).optional(),
  })
  .meta({ id: "EstimateGuideRequest" });
export type EstimateGuideRequest = z.input<typeof EstimateGuideRequest>;

/** How far a team's estimates were from what its finished tasks took. */
export const EstimateReport = z
  .object({
    teamId: z.string(),
    /** Actual over estimated minutes (median over the finished tasks), what calibration multiplies by. */
    factor: z.number(),
    /** Finished tasks with an estimate and a measured duration. */
    samples: z.number().int().min(0),
    guides: z.array(
      z.object({
        guideId: z.string(),
        title: z.string(),
        status: GuideStatus,
        estimatedMinutes: z.number(),
        actualMinutes: z.number(),
        /** Mean absolute error over its measured tasks, relative to the actual durations. */
        meanAbsolutePercentError: z.number().nullable(),
        measuredTasks: z.number().int().min(0),
      }),
    ),
  })
  .meta({ id: "EstimateReport" });
export type EstimateReport = z.infer<typeof EstimateReport>;

export const EstimateReportQuery = z.strictObject({ teamId: z.string().min(1).max(100) });

/** What the guide event streams carry (`GET /api/v1/guides/{id}/events`, `/api/v1/guides/events`). */
export const GuideEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("guide.changed"), teamId: z.string(), guide: GuideSummary }),
  z.object({
    type: z.literal("task.changed"),
    teamId: z.string(),
    guideId: z.string(),
    version: z.number().int(),
    task: GuideTask,
    guide: GuideSummary,
  }),
  z.object({ type: z.literal("guide.deleted"), teamId: z.string(), guideId: z.string() }),
  /** Sent first when a stream could not resume from its Last-Event-ID: the state now. */
  z.object({ type: z.literal("snapshot"), guides: z.array(GuideSummary) }),
]);
export type GuideEvent = z.infer<typeof GuideEvent>;

export const GuideEventsQuery = z.strictObject({
  teamId: z.string().min(1).max(100).optional(),
  lastEventId: z.string().max(300).optional(),
});

/** The guides module's bus topics. */
export const guidesTopics = {
  /** A team's guide changes, in order, as the event streams relay them. */
  log: defineTopicFamily({
    name: "guides",
    kind: "log",
    schema: GuideEvent,
    address: (teamId: string) => `guides-${teamId}`,
  }),
};
