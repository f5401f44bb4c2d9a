/** The governance module: rules as data (versioned), their dry-run, and the detector library. */
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import { governanceErrors } from "./governance.errors.ts";
import { RuleRepository } from "./governance.repository.ts";
import { registerGovernanceRoutes } from "./governance.routes.ts";
import { RuleService } from "./governance.service.ts";
import * as rulesMigration from "./migrations/2026-12-06T1100-governance-rules.ts";

/** What the governance module offers the modules built after it. */
export interface GovernanceExports {
  rules: RuleService;
}

/** Governance rules per team or organisation-wide, each edit a new immutable version. */
export const governanceModule = defineModule({
  name: "governance",
  errors: governanceErrors,
  topics: {},
  needs: ["audit"],
  permissions: ["governance:read", "governance:manage"],
  tables: ["governance_rules", "governance_rule_versions"],
  migrations: {
    "2026-12-06T1100-governance-rules": rulesMigration,
  },
  build: (ctx, deps: { audit: AuditExports }) => {
    const rules = new RuleService({
      rules: new RuleRepository(ctx.platform.database),
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
    });
    return {
      exports: { rules } satisfies GovernanceExports,
      routes: (app) => {
        registerGovernanceRoutes(app, { rules });
      },
    };
  },
});

export type { RuleService } from "./governance.service.ts";
export type { GovernanceTables } from "./governance.tables.ts";
