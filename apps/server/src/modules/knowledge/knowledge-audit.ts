import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";

/**
 * Records a successful change of a knowledge base (or one of its documents) in the audit log.
 * @example await recordKnowledgeEvent(audit, ctx, "knowledge.document_added", base, { name });
 */
export async function recordKnowledgeEvent(
  audit: AuditSink,
  ctx: RequestContext,
  action: string,
  base: { id: string; team_id: string | null },
  summary: Record<string, unknown>,
): Promise<void> {
  await audit.record({
    ...auditOrigin(ctx),
    action,
    outcome: "success",
    target: { type: "knowledge_base", id: base.id },
    teamId: base.team_id,
    summary,
  });
}
