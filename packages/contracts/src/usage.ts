import { z } from "zod";

/**
 * What a report groups by. `surface` (alias `channel`) is where calls came from: `chat` (the web
 * app), `gateway` (the API), `widget`, `telegram`, `mcp`, `guides`, ...
 */
export const UsageGroupBy = z.enum(["user", "team", "model", "assistant", "day", "surface", "channel"]);
export type UsageGroupBy = z.infer<typeof UsageGroupBy>;

/** `GET /api/v1/usage`: aggregate metered AI calls. */
export const UsageQuery = z.strictObject({
  groupBy: UsageGroupBy.default("day"),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  userId: z.string().max(100).optional(),
  teamId: z.string().max(100).optional(),
  model: z.string().max(200).optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

/** One group of the aggregation. */
export const UsageRow = z.object({
  key: z
    .string()
    .describe("user id, team id (or `none`), model id, assistant id, surface, or day as YYYY-MM-DD"),
  /** What people read for the key: a user's name and e-mail, a team's name, else the key. */
  label: z.string(),
  requests: z.number(),
  failures: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cost: z.number().describe("In the price table's currency"),
  /** Calls whose model had no price: their cost is unknown, not zero. */
  unpricedRequests: z.number(),
  avgTtftMs: z.number().nullable(),
  avgDurationMs: z.number(),
});
export type UsageRow = z.infer<typeof UsageRow>;

export const UsageReport = z
  .object({
    groupBy: UsageGroupBy,
    rows: z.array(UsageRow),
    totals: UsageRow.omit({ key: true, label: true }),
  })
  .meta({ id: "UsageReport" });
export type UsageReport = z.infer<typeof UsageReport>;

/** `GET /api/v1/me/usage`: the caller's own AI calls, on every surface. */
export const MyUsageQuery = z.strictObject({
  groupBy: z.enum(["day", "surface", "channel", "assistant", "model"]).default("day"),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type MyUsageQuery = z.infer<typeof MyUsageQuery>;
