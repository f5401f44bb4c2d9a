import { z } from "zod";
import { defineTopic } from "./topics.ts";

/** Where an AI call comes from. Every surface goes through the same pipeline. */
export const AiSurface = z.enum([
  "gateway",
  "chat",
  "widget",
  "telegram",
  "mcp",
  "guides",
  "ops",
  "knowledge",
]);
export type AiSurface = z.infer<typeof AiSurface>;

/** Bus subject (pub/sub) of {@link AiCallSettled}. */
export const AI_CALL_SETTLED = "ai.call.settled";

/**
 * Bus payload, published once per AI call after the pipeline's stages settled it (metering and
 * audit included): what the call cost and how it ended. Fire-and-forget: a signal for dashboards,
 * alerts and budgets, never the source of truth (that is `usage_records` and the audit log).
 * Calls refused by authorization or naming an unknown model never entered the pipeline and are
 * not published.
 */
export const AiCallSettled = z.object({
  v: z.literal(1),
  requestId: z.string().nullable(),
  surface: AiSurface,
  operation: z.enum(["chat", "embedding"]),
  /** The team the call was metered to; null: the caller's own account. */
  teamId: z.string().nullable(),
  userId: z.string().nullable(),
  apiKeyId: z.string().nullable(),
  /** The model that answered (or would have): a fallback's id when `fallbackFrom` is set. */
  model: z.string(),
  providerId: z.string(),
  /** The requested model, when a fallback answered instead. */
  fallbackFrom: z.string().nullable(),
  outcome: z.enum(["success", "failure", "cancelled"]),
  errorCode: z.string().nullable(),
  /** The stage that refused the call before any provider call, if one did. */
  refusedBy: z.string().nullable(),
  usage: z.object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) }),
  /** Cost in micro-units of the price table's currency; 0 when the model has no price. */
  costMicros: z.number().int().min(0),
  ttftMs: z.number().nullable(),
  durationMs: z.number(),
  /** Provider attempts (retries and fallbacks included); 0 when refused before the provider call. */
  attempts: z.number().int().min(0),
  /** The pipeline's trace: fixed steps and stage names, in the order they ran. */
  stages: z.array(z.string()),
});
export type AiCallSettled = z.infer<typeof AiCallSettled>;

/** The AI module's bus topics. */
export const aiTopics = {
  /** One event per settled AI call (see {@link AiCallSettled}). */
  callSettled: defineTopic({ name: AI_CALL_SETTLED, kind: "event", schema: AiCallSettled }),
};
