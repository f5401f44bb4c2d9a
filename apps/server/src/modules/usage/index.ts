import { defineModule } from "../../kernel/module.ts";
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { UsageRepository } from "./usage.repository.ts";
import { meteringStage } from "./usage.stages.ts";
import { registerUsageRoutes } from "./usage.routes.ts";
import { UsageService } from "./usage.service.ts";
import * as usageMigration from "./migrations/2026-11-22T1410-usage.ts";
import * as usageAssistantMigration from "./migrations/2026-12-06T0210-usage-assistant.ts";
import type { IdentityExports } from "../identity/index.ts";
import * as usagePricedMigration from "./migrations/2026-12-08T0100-usage-priced.ts";
import { tablesOf } from "../../platform/db/database.ts";

/** What the usage module offers the modules built after it. */
export interface UsageExports {
  usage: UsageService;
}

/** Metering: one record per AI call, reports by user, team, model or day. */
export const usageModule = defineModule({
  name: "usage",
  errors: {},
  topics: {},
  // Reads people's and teams' names for its reports.
  needs: ["identity"],
  permissions: ["usage:read"],
  tables: ["usage_records"],
  migrations: {
    "2026-11-22T1410-usage": usageMigration,
    "2026-12-06T0210-usage-assistant": usageAssistantMigration,
    "2026-12-08T0100-usage-priced": usagePricedMigration,
  },
  build: (ctx, _deps: { identity: IdentityExports }) => {
    const usage = new UsageService({
      repository: new UsageRepository(tablesOf(ctx.platform.database.db)),
      clock: ctx.platform.clock,
    });
    return {
      exports: { usage } satisfies UsageExports,
      // One usage record per AI call, priced.
      stages: [{ order: STAGE_ORDER.meter, stage: meteringStage({ usage }) }],
      routes: (app) => {
        registerUsageRoutes(app, { usage });
      },
    };
  },
});

export type { UsageEvent, UsageService } from "./usage.service.ts";
export type { UsageTables } from "./usage.tables.ts";
