import type { AiCallSettled } from "@parley/contracts";
import type { Settlement, StageContext } from "../../kernel/ai-stage.ts";

/**
 * The `ai.call.settled` bus payload of a settled call.
 * @example
 * await pubsub.publish(AI_CALL_SETTLED, settledEvent(settled, ctx));
 */
export function settledEvent(settled: Settlement, ctx: StageContext): AiCallSettled {
  return {
    v: 1,
    requestId: ctx.request.requestId,
    surface: ctx.surface,
    operation: ctx.operation,
    teamId: ctx.teamId,
    userId: ctx.principal.userId,
    apiKeyId: ctx.principal.apiKey?.id ?? null,
    model: settled.model.id,
    providerId: settled.model.providerId,
    fallbackFrom: settled.fallbackFrom,
    outcome: settled.outcome,
    errorCode: settled.errorCode,
    refusedBy: settled.refusedBy,
    usage: { inputTokens: settled.usage.inputTokens, outputTokens: settled.usage.outputTokens },
    costMicros: settled.costMicros,
    ttftMs: settled.ttftMs,
    durationMs: settled.durationMs,
    attempts: settled.attempts,
    stages: [...settled.trace],
  };
}
