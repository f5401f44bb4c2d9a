import { Readable } from "node:stream";
import {
  AuditExportQuery,
  AuditListQuery,
  AuditPage,
  AuditVerification,
  MAX_AUDIT_EXPORT_ENTRIES,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { exportChunks } from "./audit-export.ts";
import { auditScopeOf } from "./audit-scope.ts";
import type { AuditService } from "./audit.service.ts";

/**
 * `GET /api/v1/audit` (list, scoped to the caller's teams unless `audit:read` is global) and
 * `GET /api/v1/audit/verify` (global auditors only), both declared as needing `audit:read`.
 */
export function registerAuditRoutes(app: TypedApp, deps: { audit: AuditService }): void {
  const tags = ["audit"];
  app.get(
    "/api/v1/audit",
    {
      config: { permission: "audit:read" },
      schema: {
        tags,
        summary: "Audit entries, newest first, filtered; team auditors see their teams' entries only",
        querystring: AuditListQuery,
        response: { 200: AuditPage },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (!principal) throw new AppError("auth.required", "Sign in or send an API key to read the audit log");
      return deps.audit.list(request.query, auditScopeOf(principal));
    },
  );
  app.get(
    "/api/v1/audit/export",
    {
      config: { permission: "audit:read" },
      schema: {
        tags,
        summary: `The entries the filters match, newest first, as CSV or JSON (at most ${MAX_AUDIT_EXPORT_ENTRIES}); team auditors get their teams' entries only`,
        querystring: AuditExportQuery,
        produces: ["text/csv", "application/json"],
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal)
        throw new AppError("auth.required", "Sign in or send an API key to export the audit log");
      const { format, ...filters } = request.query;
      const scope = auditScopeOf(principal);
      // A team the caller cannot see answers 404 before anything is sent.
      await deps.audit.list({ ...filters, limit: 1 }, scope);
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type(format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8")
        .header("content-disposition", `attachment; filename="parley-audit-${day}.${format}"`)
        .header("cache-control", "no-store")
        .send(
          Readable.from(exportChunks(deps.audit.entries(filters, scope, MAX_AUDIT_EXPORT_ENTRIES), format)),
        );
    },
  );
  app.get(
    "/api/v1/audit/verify",
    {
      config: { permission: "audit:read" },
      schema: {
        tags,
        summary: "Recompute the hash chain and report the first entry edited, missing or out of place",
        description: "Walks every team's entries, so it needs `audit:read` from the global role.",
        response: { 200: AuditVerification },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (!principal)
        throw new AppError("auth.required", "Sign in or send an API key to verify the audit log");
      if (!auditScopeOf(principal).allTeams) {
        throw new AppError(
          "auth.forbidden",
          "Verifying the whole audit log needs audit:read from a global role",
          {
            details: { permission: "audit:read" },
          },
        );
      }
      return deps.audit.verify();
    },
  );
}
