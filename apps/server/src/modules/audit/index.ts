/**
 * The audit module: a hash-chained, verifiable log of every mutation and security event.
 * Other modules record events through `AuditService.record`; the composition root builds the
 * service, registers the routes and starts retention.
 */
export { AuditService, ALL_TEAMS, DEFAULT_AUDIT_RETENTION_DAYS } from "./audit.service.ts";
export type { AuditScope, AuditServiceDeps } from "./audit.service.ts";
export { registerAuditRoutes } from "./audit.routes.ts";
export { startAuditRetention } from "./audit.jobs.ts";
export type { AuditRetentionLogger, AuditRetentionOptions, StopAuditRetention } from "./audit.jobs.ts";
export { auditScopeOf } from "./audit-scope.ts";
export type { AuditTables } from "./audit.tables.ts";
