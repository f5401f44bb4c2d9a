import { z } from "zod";

/** How an audited operation ended: done, failed, or refused for lack of permission. */
export const AuditOutcome = z.enum(["success", "failure", "denied"]);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

/** Who acted: a user, a program holding an API key, Parley itself, or nobody signed in. */
export const AuditActorType = z.enum(["user", "api_key", "channel", "system", "anonymous"]);
export type AuditActorType = z.infer<typeof AuditActorType>;

/**
 * What happened, as `<area>.<verb>` in lower case: `auth.login_failed`, `api_key.created`,
 * `audit.pruned`. Actions are stable strings: filters and alerts match on them.
 */
export const AuditAction = z
  .string()
  .min(3)
  .max(100)
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/, "must look like `area.verb`, for example `auth.login`");
export type AuditAction = z.infer<typeof AuditAction>;

/** The actor of an audit event. `id` is null for `system` and `anonymous`. */
export const AuditActor = z
  .object({
    type: AuditActorType,
    id: z.string().nullable(),
    email: z.string().nullable().optional(),
  })
  .meta({ id: "AuditActor" });
export type AuditActor = z.infer<typeof AuditActor>;

/** What the event acted on, such as `{ type: "api_key", id: "key_123" }`. */
export const AuditTarget = z
  .object({ type: z.string().min(1), id: z.string().nullable() })
  .meta({ id: "AuditTarget" });
export type AuditTarget = z.infer<typeof AuditTarget>;

/**
 * One event to append to the audit log, as services pass it to `AuditService.record`.
 * `summary` describes the change (for example the fields an update changed). Callers never put
 * secrets in it; as a second line of defence, values under keys that look like secrets
 * (`password`, `secret`, `token`, `apiKey`, `...key`) are stored as `"[redacted]"`. Over-long
 * strings are clipped rather than rejected: an audit write must not fail the operation it records.
 */
export const AuditEvent = z.object({
  action: AuditAction,
  outcome: AuditOutcome,
  actor: AuditActor,
  target: AuditTarget.nullable().optional(),
  teamId: z.string().nullable().optional(),
  requestId: z.string().nullable().optional(),
  ip: z.string().nullable().optional(),
  summary: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

/** One stored, hash-chained audit entry. */
export const AuditEntry = z
  .object({
    seq: z.number().int().positive().describe("Position in the chain, 1-based and gap-free."),
    id: z.string(),
    at: z.iso.datetime(),
    action: z.string(),
    outcome: AuditOutcome,
    actor: z.object({ type: AuditActorType, id: z.string().nullable(), email: z.string().nullable() }),
    target: AuditTarget.nullable(),
    teamId: z.string().nullable(),
    requestId: z.string().nullable(),
    ip: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()),
    prevHash: z.string().describe("`hash` of the previous entry (64 zeros before the first)."),
    hash: z.string().describe("HMAC-SHA256 of this entry's fields and `prevHash`, in hex."),
  })
  .meta({ id: "AuditEntry" });
export type AuditEntry = z.infer<typeof AuditEntry>;

/** Query string of `GET /api/v1/audit`. Every filter is optional; unknown keys are rejected. */
const auditFilters = {
  action: z.string().min(1).max(100).optional().describe("An action, or a prefix ending in `*` (`guide.*`)."),
  actorId: z.string().min(1).max(512).optional(),
  actor: z.string().trim().min(1).max(512).optional().describe("An actor's id, or e-mail in any case."),
  targetType: z.string().min(1).max(512).optional(),
  targetId: z.string().min(1).max(512).optional(),
  teamId: z.string().min(1).max(512).optional(),
  outcome: AuditOutcome.optional(),
  from: z.iso.datetime({ offset: true }).optional().describe("Entries at or after this time."),
  to: z.iso.datetime({ offset: true }).optional().describe("Entries strictly before this time."),
};

export const AuditListQuery = z.strictObject({
  ...auditFilters,
  cursor: z.string().min(1).max(200).optional().describe("`nextCursor` of the previous page."),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

/** The most entries one export holds (newest first); narrow the filters for older ones. */
export const MAX_AUDIT_EXPORT_ENTRIES = 100_000;

/** `GET /api/v1/audit/export`: the entries the filters match, as CSV or JSON. */
export const AuditExportQuery = z.strictObject({
  ...auditFilters,
  format: z.enum(["csv", "json"]).default("csv"),
});
export type AuditExportQuery = z.infer<typeof AuditExportQuery>;

/** `GET /api/v1/audit`: newest entries first. */
export const AuditPage = z
  .object({
    items: z.array(AuditEntry),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for older entries; null at the end."),
  })
  .meta({ id: "AuditPage" });
export type AuditPage = z.infer<typeof AuditPage>;

/** Where the chain starts after retention removed older entries. */
export const AuditAnchor = z
  .object({
    prunedThroughSeq: z.number().int().nonnegative(),
    prunedAt: z.iso.datetime(),
  })
  .meta({ id: "AuditAnchor" });
export type AuditAnchor = z.infer<typeof AuditAnchor>;

/**
 * What broke the chain, for programs (`reason` says it for people): an entry `modified`,
 * `missing` from the middle, `unlinked` from the one before, `out_of_order` (older than the
 * retention anchor), the retention anchor modified (`anchor_modified`), the newest entries
 * deleted (`truncated`: the sealed head names an entry past the end of the log), the sealed
 * head itself modified or reset (`head_modified`) or deleted (`head_missing`), the log and its
 * head rolled back behind the checkpoint kept outside the database (`rolled_back`), or that
 * checkpoint modified (`checkpoint_modified`).
 */
export const AuditProblem = z.enum([
  "modified",
  "missing",
  "unlinked",
  "out_of_order",
  "anchor_modified",
  "truncated",
  "head_modified",
  "head_missing",
  "rolled_back",
  "checkpoint_modified",
]);
export type AuditProblem = z.infer<typeof AuditProblem>;

/** `GET /api/v1/audit/verify`: whether every remaining entry is intact and linked. */
export const AuditVerification = z
  .object({
    ok: z.boolean(),
    checked: z.number().int().nonnegative().describe("Entries checked before stopping."),
    firstBrokenSeq: z.number().int().nullable(),
    reason: z.string().nullable().describe("Why the chain is broken, for example `entry 17 was modified`."),
    problem: AuditProblem.nullable()
      .optional()
      .describe("What broke the chain, as a stable code; null when intact."),
    headSeq: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .optional()
      .describe("The newest entry according to the sealed head; null until the head is first sealed."),
    anchor: AuditAnchor.nullable().describe("Null while retention has never removed entries."),
  })
  .meta({ id: "AuditVerification" });
export type AuditVerification = z.infer<typeof AuditVerification>;
