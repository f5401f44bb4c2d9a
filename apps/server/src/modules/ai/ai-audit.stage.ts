import { auditOrigin, type AuditSink } from "../../kernel/request-context.ts";
import type { PipelineStage } from "../../kernel/ai-stage.ts";

/**
 * Audits every AI call that passed the stages before it (`ai.chat` or `ai.embed`, target the
 * answering model), with the pipeline's trace up to and including this stage. Place it before
 * the stages whose refusals must be audited, and first among the settlement stages so that its
 * `after` runs last and sees theirs.
 * @example
 * stages: [rateLimitStage(...), contextWindowStage(), aiAuditStage({ audit }), meteringStage({ usage })]
 */
export function aiAuditStage(deps: { audit: AuditSink }): PipelineStage {
  return {
    name: "audit",
    async after(settled, ctx) {
      await deps.audit.record({
        ...auditOrigin(ctx.request),
        action: ctx.operation === "chat" ? "ai.chat" : "ai.embed",
        outcome: settled.outcome === "success" ? "success" : "failure",
        target: { type: "model", id: settled.model.id },
        teamId: ctx.teamId,
        summary: {
          surface: ctx.surface,
          stages: [...settled.trace],
          inputTokens: settled.usage.inputTokens,
          outputTokens: settled.usage.outputTokens,
          attempts: settled.attempts,
          outcome: settled.outcome,
          ...(settled.errorCode ? { errorCode: settled.errorCode } : {}),
          ...(settled.refusedBy ? { refusedBy: settled.refusedBy } : {}),
          ...(settled.fallbackFrom ? { fallbackFrom: settled.fallbackFrom } : {}),
          ...(settled.stageErrors.length > 0 ? { stageErrors: settled.stageErrors.map((e) => e.stage) } : {}),
          ...settled.annotations,
        },
      });
    },
  };
}
