import type { Principal } from "./principal.ts";

/** What a use case knows about the request that triggered it, for auditing and limits. */
export interface RequestContext {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  principal: Principal | null;
  /** Work Parley does on its own behalf (start-up, the CLI, jobs): audited as `system`. */
  system?: boolean;
}

/** One audit event as modules record it (the audit module stores and chains it). */
export interface AuditEventInput {
  action: string;
  outcome: "success" | "failure" | "denied";
  actor: {
    type: "user" | "api_key" | "channel" | "system" | "anonymous";
    id: string | null;
    email?: string | null;
  };
  target?: { type: string; id: string | null };
  teamId?: string | null;
  requestId?: string | null;
  ip?: string | null;
  /** What changed; never secrets. */
  summary?: Record<string, unknown>;
}

/** Where modules send audit events. */
export interface AuditSink {
  record(event: AuditEventInput): Promise<unknown>;
}

/** The actor, request id and IP of `ctx`, ready to spread into an audit event. */
export function auditOrigin(ctx: RequestContext): Pick<AuditEventInput, "actor" | "requestId" | "ip"> {
  const p = ctx.principal;
  const actor: AuditEventInput["actor"] = p
    ? p.apiKey
      ? { type: "api_key", id: p.apiKey.id, email: p.email }
      : p.channel
        ? // A channel's visitor acts through the widget or bot, for its publisher (the email).
          { type: "channel", id: `${p.channel.kind}:${p.channel.id}`, email: p.email }
        : { type: "user", id: p.userId, email: p.email }
    : ctx.system
      ? { type: "system", id: null }
      : { type: "anonymous", id: null };
  return { actor, requestId: ctx.requestId, ip: ctx.ip };
}

/** A context for work not caused by a request (start-up, CLI, jobs). */
export const systemContext: RequestContext = {
  requestId: null,
  ip: null,
  userAgent: null,
  principal: null,
  system: true,
};
