import { defineModule } from "../../kernel/module.ts";
import type { PipelineStage } from "../ai/index.ts";
import { UsageRepository } from "./usage.repository.ts";
import { meteringStage } from "./usage.stages.ts";
import { registerUsageRoutes } from "./usage.routes.ts";
import { UsageService } from "./usage.service.ts";

/** What the usage module offers the modules built after it. */
export interface UsageExports {
  usage: UsageService;
  /** Its AI pipeline stage: one usage record per call, priced. */
  meteringStage: PipelineStage;
}

/** Metering: one record per AI call, reports by user, team, model or day. */
export const usageModule = defineModule({
  name: "usage",
  needs: [],
  permissions: ["usage:read"],
  tables: ["usage_records"],
  migrations: ["2026-11-22T1410-usage"],
  build: (ctx) => {
    const usage = new UsageService({
      repository: new UsageRepository(ctx.platform.database.db),
      clock: ctx.platform.clock,
    });
    return {
      exports: { usage, meteringStage: meteringStage({ usage }) } satisfies UsageExports,
      routes: (app) => {
        registerUsageRoutes(app, { usage });
      },
    };
  },
});

export type { UsageEvent, UsageService } from "./usage.service.ts";
export type { UsageTables } from "./usage.tables.ts";
