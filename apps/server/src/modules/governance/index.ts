/**
 * The governance module: rules as data (versioned), their dry-run, the detector library, and the
 * enforcement stage every AI call passes, with its decision records.
 */
import { governanceTopics } from "@parley/contracts";
import { Counter } from "prom-client";
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import { ApprovalDesk } from "./approval-desk.ts";
import { APPROVAL_SWEEP_INTERVAL_MS, startApprovalSweep } from "./approval-sweep.ts";
import { ApprovalRepository } from "./approval.repository.ts";
import { DecisionLog } from "./decision-log.ts";
import { DecisionRepository } from "./decision.repository.ts";
import { governanceStage } from "./enforcement/governance.stage.ts";
import { RuleBook } from "./enforcement/rule-book.ts";
import { governanceErrors } from "./governance.errors.ts";
import { RuleRepository } from "./governance.repository.ts";
import { registerGovernanceRoutes } from "./governance.routes.ts";
import { RuleService } from "./governance.service.ts";
import * as rulesMigration from "./migrations/2026-12-06T1100-governance-rules.ts";
import * as decisionsMigration from "./migrations/2026-12-07T0000-governance-decisions.ts";
import * as approvalsMigration from "./migrations/2026-12-07T0010-governance-approvals.ts";

/** What the governance module offers the modules built after it. */
export interface GovernanceExports {
  rules: RuleService;
  decisions: DecisionLog;
  approvals: ApprovalDesk;
}

/** Governance rules per team or organisation-wide, enforced on every AI call. */
export const governanceModule = defineModule({
  name: "governance",
  errors: governanceErrors,
  topics: governanceTopics,
  needs: ["audit"],
  permissions: ["governance:read", "governance:manage", "governance:approve"],
  tables: ["governance_rules", "governance_rule_versions", "governance_decisions", "governance_approvals"],
  migrations: {
    "2026-12-06T1100-governance-rules": rulesMigration,
    "2026-12-07T0000-governance-decisions": decisionsMigration,
    "2026-12-07T0010-governance-approvals": approvalsMigration,
  },
  build: (ctx, deps: { audit: AuditExports }) => {
    const repository = new RuleRepository(ctx.platform.database);
    const book = new RuleBook({ rules: repository, clock: ctx.platform.clock });
    // A change drops the cached rules here at once, and on the other pods when they hear of it.
    const rules = new RuleService({
      rules: repository,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      onChange: () => {
        book.invalidate();
        ctx.bus.publish(governanceTopics.changed, { pod: ctx.podId }).catch(() => undefined);
      },
    });
    ctx.bus
      .subscribe(governanceTopics.changed, ({ pod }) => {
        if (pod !== ctx.podId) book.invalidate();
      })
      .catch((err: unknown) => {
        ctx.logger.warn({ err }, "governance: not listening for rule changes");
      });
    const decisions = new DecisionLog({
      decisions: new DecisionRepository(ctx.platform.database),
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      counter: new Counter({
        name: "parley_governance_decisions_total",
        help: "Actions governance rules took on AI calls, by action and tier",
        labelNames: ["action", "tier"] as const,
        registers: [ctx.metrics],
      }),
    });
    const approvals = new ApprovalDesk({
      approvals: new ApprovalRepository(ctx.platform.database),
      decisions,
      clock: ctx.platform.clock,
      bus: ctx.bus,
      logger: ctx.logger,
    });
    ctx.bus
      .subscribe(governanceTopics.approvalDecided, ({ id }) => {
        approvals.decided(id);
      })
      .catch((err: unknown) => {
        ctx.logger.warn({ err }, "governance: not listening for approval decisions (waiting calls poll)");
      });
    const failures = new Counter({
      name: "parley_governance_check_failures_total",
      help: "Governance checks that could not run (a detector failed or overran), by tier and what became of the call",
      labelNames: ["tier", "outcome"] as const,
      registers: [ctx.metrics],
    });
    return {
      exports: { rules, decisions, approvals } satisfies GovernanceExports,
      routes: (app) => {
        registerGovernanceRoutes(app, { rules, decisions, approvals });
      },
      workers: [
        {
          name: "governance approval sweep",
          roles: ["worker", "all"],
          start: () => startApprovalSweep(approvals, APPROVAL_SWEEP_INTERVAL_MS, ctx.logger),
        },
      ],
      stages: [
        {
          order: STAGE_ORDER.governance,
          stage: governanceStage({
            book,
            decisions,
            approvals,
            failures,
            logger: ctx.logger,
            checkTimeoutMs: ctx.config.governanceCheckTimeoutMs,
          }),
        },
      ],
    };
  },
});

export type { RuleService } from "./governance.service.ts";
export type { DecisionLog } from "./decision-log.ts";
export type { ApprovalDesk } from "./approval-desk.ts";
export type { GovernanceTables } from "./governance.tables.ts";
