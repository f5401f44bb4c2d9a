/**
 * The audit module: a hash-chained, verifiable log of every mutation and security event.
 * Other modules record events through `AuditService.record`.
 */
import { defineModule } from "../../kernel/module.ts";
import { auditErrors } from "./audit.errors.ts";
import { registerAuditRoutes } from "./audit.routes.ts";
import { startAuditRetention } from "./audit.jobs.ts";
import { AuditService } from "./audit.service.ts";
import * as auditMigration from "./migrations/2026-11-22T1310-audit.ts";
import * as auditHeadMigration from "./migrations/2026-12-05T2300-audit-head.ts";

/** What the audit module offers the modules built after it. */
export interface AuditExports {
  audit: AuditService;
}

/** The audit log: routes to read and verify it, and retention on workers. */
export const auditModule = defineModule({
  name: "audit",
  errors: auditErrors,
  topics: {},
  needs: [],
  permissions: ["audit:read"],
  tables: ["audit_log", "audit_anchor", "audit_head"],
  migrations: { "2026-11-22T1310-audit": auditMigration, "2026-12-05T2300-audit-head": auditHeadMigration },
  build: (ctx) => {
    const audit = new AuditService({
      database: ctx.platform.database,
      secrets: ctx.platform.secrets,
      clock: ctx.platform.clock,
      checkpoints: ctx.platform.blobs,
    });
    return {
      exports: { audit } satisfies AuditExports,
      routes: (app) => {
        registerAuditRoutes(app, { audit });
      },
      workers: [
        {
          name: "audit retention",
          roles: ["worker", "all"],
          start: () => {
            const stop = startAuditRetention({
              audit,
              retentionDays: ctx.config.auditRetentionDays,
              intervalMs: 60 * 60 * 1000,
              logger: ctx.logger,
            });
            return Promise.resolve(stop);
          },
        },
      ],
    };
  },
});

// The service itself: tests of other modules build one on a throwaway database.
export { AuditService } from "./audit.service.ts";
export type { AuditScope, AuditServiceDeps } from "./audit.service.ts";
export type { AuditTables } from "./audit.tables.ts";
