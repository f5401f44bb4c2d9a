import { z } from "zod";
import { defineTopic } from "./topics.ts";

/** The longest practice body, in characters (markdown). */
export const MAX_PRACTICE_BODY_CHARS = 20_000;
/** The most practices one team keeps, team-wide and in its projects together. */
export const MAX_PRACTICES_PER_TEAM = 200;
/**
 * The most practice text one AI call gets, in characters: the team's practices first, then the
 * project's, each in order, whole while they fit; the first that does not fit is cut and the
 * rest are left out, with a note saying so at the end (ADR 0025).
 */
export const MAX_PRACTICES_CHARS_PER_CALL = 16_000;

const title = z.string().trim().min(1).max(200);
const body = z.string().trim().min(1).max(MAX_PRACTICE_BODY_CHARS);
const position = z.number().int().min(0).max(1_000_000);

/**
 * A team's or project's practice: markdown added to the system context of every AI call in its
 * scope, in `position` order. Its title and body live in immutable versions.
 */
export const Practice = z
  .object({
    id: z.string(),
    teamId: z.string(),
    /** Null: team-wide (every call of the team); else only calls made in this project. */
    projectId: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    /** Ascending within its scope (team-wide, or one project); ties by creation. */
    position: z.number().int(),
    currentVersion: z.number().int(),
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Practice" });
export type Practice = z.infer<typeof Practice>;

/** One immutable version of a practice. */
export const PracticeVersion = z
  .object({
    practiceId: z.string(),
    version: z.number().int(),
    title: z.string(),
    body: z.string(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "PracticeVersion" });
export type PracticeVersion = z.infer<typeof PracticeVersion>;

/** A new practice of a team, or of one of its projects; at the end of its scope unless `position`. */
export const CreatePracticeRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    projectId: z.string().min(1).max(100).optional(),
    title,
    body,
    position: position.optional(),
    enabled: z.boolean().optional(),
  })
  .meta({ id: "CreatePracticeRequest" });
export type CreatePracticeRequest = z.infer<typeof CreatePracticeRequest>;

/** A new version; `expectedVersion` is the version the edit was made from (409 otherwise). */
export const UpdatePracticeRequest = z
  .strictObject({ expectedVersion: z.number().int().min(1), title, body })
  .meta({ id: "UpdatePracticeRequest" });
export type UpdatePracticeRequest = z.infer<typeof UpdatePracticeRequest>;

/** Enables or disables a practice, or moves it; neither makes a version. */
export const PatchPracticeRequest = z
  .strictObject({ enabled: z.boolean().optional(), position: position.optional() })
  .refine((p) => p.enabled !== undefined || p.position !== undefined, "give enabled or position")
  .meta({ id: "PatchPracticeRequest" });
export type PatchPracticeRequest = z.infer<typeof PatchPracticeRequest>;

/** Moves a practice one place up (earlier) or down (later) within its scope. */
export const MovePracticeRequest = z
  .strictObject({ direction: z.enum(["up", "down"]) })
  .meta({ id: "MovePracticeRequest" });
export type MovePracticeRequest = z.infer<typeof MovePracticeRequest>;

/** `GET /api/v1/practices`: a team's (or every team's you may read), or one project's only. */
export const PracticeListQuery = z.strictObject({
  teamId: z.string().min(1).max(100).optional(),
  projectId: z.string().min(1).max(100).optional(),
});
export type PracticeListQuery = z.infer<typeof PracticeListQuery>;

export const PracticeVersionParams = z.strictObject({
  id: z.string().min(1).max(100),
  /** A positive integer; anything else is no version (404). */
  version: z.string().min(1).max(100),
});

/** Bus payload: the practices of `teamId` changed on pod `pod`. */
export const PracticesChanged = z.object({ teamId: z.string(), pod: z.string() });
export type PracticesChanged = z.infer<typeof PracticesChanged>;

/** The practices module's bus topics. */
export const practicesTopics = {
  /** Tells every pod to drop its cached practices of the team; at most once is enough (a TTL backs it). */
  changed: defineTopic({ name: "practices.changed", kind: "event", schema: PracticesChanged }),
};
