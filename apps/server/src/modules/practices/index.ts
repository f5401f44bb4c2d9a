/** The practices module: a team's or project's practices, added to the system context of its AI calls. */
import { practicesTopics } from "@parley/contracts";
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import * as practicesMigration from "./migrations/2026-12-07T0100-practices.ts";
import { PracticeCache } from "./practice-cache.ts";
import { practicesErrors } from "./practices.errors.ts";
import { PracticeRepository } from "./practices.repository.ts";
import { registerPracticeRoutes } from "./practices.routes.ts";
import { PracticeService } from "./practices.service.ts";
import { practicesStage } from "./practices.stages.ts";

/** What the practices module offers the modules built after it. */
export interface PracticesExports {
  practices: PracticeService;
}

/**
 * How long a pod serves cached practices without hearing of a change: announcements drop them
 * at once; this bounds what a lost announcement (at-most-once pub/sub) costs.
 */
const CACHE_TTL_MS = 10_000;

/**
 * Practices: versioned markdown per team or project (CRUD, order, enable/disable), and the AI
 * stage that adds the enabled ones of a call's team and project to its system context.
 */
export const practicesModule = defineModule({
  name: "practices",
  errors: practicesErrors,
  topics: practicesTopics,
  needs: ["audit"],
  permissions: ["governance:read", "governance:manage"],
  tables: ["practices", "practice_versions"],
  migrations: {
    "2026-12-07T0100-practices": practicesMigration,
  },
  build: (ctx, deps: { audit: AuditExports }) => {
    const repository = new PracticeRepository(ctx.platform.database);
    const cache = new PracticeCache({
      load: async (teamId) =>
        (await repository.list({ teamIds: [teamId], enabledOnly: true })).map((row) => ({
          id: row.id,
          projectId: row.project_id,
          title: row.title,
          body: row.body,
        })),
      clock: ctx.platform.clock,
      ttlMs: CACHE_TTL_MS,
      maxTeams: 1_000,
    });
    const practices = new PracticeService({
      practices: repository,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      changed: async (teamId) => {
        cache.drop(teamId);
        try {
          await ctx.bus.publish(practicesTopics.changed, { teamId, pod: ctx.podId });
        } catch (error) {
          // The change is saved; other pods see it once their entry expires (CACHE_TTL_MS).
          ctx.logger.warn({ err: error, teamId }, "could not announce a practices change");
        }
      },
    });
    return {
      exports: { practices } satisfies PracticesExports,
      routes: (app) => {
        registerPracticeRoutes(app, { practices });
      },
      stages: [{ order: STAGE_ORDER.practices, stage: practicesStage({ cache }) }],
      workers: [
        {
          name: "practices cache invalidation",
          // Every process that runs AI calls or serves the API holds a cache.
          roles: ["api", "worker", "all"],
          start: async () => {
            const subscription = await ctx.bus.subscribe(practicesTopics.changed, ({ teamId, pod }) => {
              if (pod !== ctx.podId) cache.drop(teamId);
            });
            return () => subscription.close();
          },
        },
      ],
    };
  },
});

export type { PracticeService } from "./practices.service.ts";
export type { PracticesTables } from "./practices.tables.ts";
