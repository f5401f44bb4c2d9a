/** The system module: liveness, readiness, metrics and what process answered. */
import { deploymentMode } from "../../config/config.ts";
import { defineModule } from "../../kernel/module.ts";
import { PARLEY_VERSION } from "../../kernel/version.ts";
import { registerProbeRoutes, registerSystemApiRoutes } from "./system.routes.ts";
import { SystemService } from "./system.service.ts";
import * as instanceMigration from "./migrations/2026-11-22T1200-instance.ts";

/** What the system module offers: the process's state (draining) for the edge and shutdown. */
export interface SystemExports {
  system: SystemService;
}

/** Probes on every process, process information on the API. */
export const systemModule = defineModule({
  name: "system",
  errors: {},
  topics: {},
  needs: [],
  permissions: ["system:read"],
  tables: ["instance"],
  migrations: { "2026-11-22T1200-instance": instanceMigration },
  build: (ctx) => {
    const system = new SystemService({
      components: () => ctx.platform.components(),
      info: {
        name: "parley",
        version: PARLEY_VERSION,
        mode: deploymentMode(ctx.config),
        role: ctx.config.role,
        podId: ctx.podId,
        startedAt: new Date().toISOString(),
      },
    });
    return {
      exports: { system } satisfies SystemExports,
      probes: (app) => {
        registerProbeRoutes(app, { system, metrics: ctx.metrics, metricsToken: ctx.config.metricsToken });
      },
      routes: (app) => {
        registerSystemApiRoutes(app, { system });
      },
    };
  },
});

export type { SystemService } from "./system.service.ts";
