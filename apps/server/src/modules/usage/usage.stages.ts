import type { PipelineStage } from "../../kernel/ai-stage.ts";
import type { UsageService } from "./usage.service.ts";

/**
 * Meters every AI call that passed the stages before it: one `usage_records` row with tokens,
 * cost (from the answering model's price), timings, attempts and outcome. A failure to record is
 * logged and counted by the pipeline (`parley_ai_stage_failures_total{stage="metering"}`).
 * @example
 * stages: [rateLimitStage(...), contextWindowStage(), aiAuditStage({ audit }), meteringStage({ usage })]
 */
export function meteringStage(deps: { usage: UsageService }): PipelineStage {
  return {
    name: "metering",
    async after(settled, ctx) {
      await deps.usage.record({
        surface: ctx.surface,
        operation: ctx.operation,
        userId: ctx.principal.userId,
        teamId: ctx.teamId,
        apiKeyId: ctx.principal.apiKey?.id ?? null,
        assistantId: ctx.assistantId,
        modelId: settled.model.id,
        providerId: settled.model.providerId,
        inputTokens: settled.usage.inputTokens,
        outputTokens: settled.usage.outputTokens,
        cost: settled.cost,
        priced: settled.model.price !== null,
        ttftMs: settled.ttftMs,
        durationMs: settled.durationMs,
        outcome: settled.outcome,
        errorCode: settled.errorCode,
        attempts: settled.attempts,
        requestId: ctx.request.requestId,
      });
    },
  };
}
