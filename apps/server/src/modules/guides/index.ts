/** The guides module: markdown guides whose checkboxes are tracked tasks, with templates and AI drafting. */
import { guidesTopics } from "@parley/contracts";
import { defineModule } from "../../kernel/module.ts";
import type { AiExports } from "../ai/index.ts";
import type { AuditExports } from "../audit/index.ts";
import type { IdentityExports } from "../identity/index.ts";
import type { KnowledgeExports } from "../knowledge/index.ts";
import type { ProjectsExports } from "../projects/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import { GuideDrafting } from "./guide-drafting.ts";
import { GuideEvents } from "./guide-events.ts";
import { GuideStreams } from "./guide-sse.ts";
import { GuideTemplates } from "./guide-templates.service.ts";
import { guidesErrors } from "./guides.errors.ts";
import { GuideRepository } from "./guides.repository.ts";
import { registerGuideRoutes } from "./guides.routes.ts";
import { guideTools } from "./guides.tools.ts";
import { GuideService } from "./guides.service.ts";
import * as guidesMigration from "./migrations/2026-12-08T0000-guides.ts";

/** What the guides module offers the modules built after it. */
export interface GuidesExports {
  guides: GuideService;
  templates: GuideTemplates;
  drafting: GuideDrafting;
}

/**
 * Guides per team (optionally in a project): CRUD, search, tasks parsed from the markdown's
 * syntax tree with stable ids, live events on the durable log, templates, and AI drafting and
 * estimates through the AI pipeline, calibrated by the team's finished tasks.
 */
export const guidesModule = defineModule({
  name: "guides",
  errors: guidesErrors,
  topics: guidesTopics,
  needs: ["audit", "identity", "projects", "providers", "ai", "knowledge"],
  permissions: ["guides:read", "guides:write"],
  // SQLite's full-text index of guides is guides_fts and the tables FTS5 keeps for it.
  tables: [
    "guides",
    "guide_tags",
    "guide_tasks",
    "guide_templates",
    "guides_fts",
    "guides_fts_config",
    "guides_fts_data",
    "guides_fts_docsize",
    "guides_fts_idx",
  ],
  migrations: {
    "2026-12-08T0000-guides": guidesMigration,
  },
  build: (
    ctx,
    deps: {
      audit: AuditExports;
      identity: IdentityExports;
      projects: ProjectsExports;
      providers: ProvidersExports;
      ai: AiExports;
      knowledge: KnowledgeExports;
    },
  ) => {
    const repository = new GuideRepository(ctx.platform.database);
    const events = new GuideEvents({
      bus: ctx.bus,
      registry: ctx.platform.store.registry,
      logger: ctx.logger,
      maxStreamsPerUser: ctx.config.maxStreamsPerUser,
    });
    const templates = new GuideTemplates({
      guides: repository,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
    });
    const guides = new GuideService({
      guides: repository,
      templates,
      projects: deps.projects.projects,
      teams: deps.identity.teams,
      events,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
    });
    const drafting = new GuideDrafting({
      pipeline: deps.ai.pipeline,
      catalog: deps.providers.catalog,
      knowledge: deps.knowledge.knowledge,
      guides,
    });
    const streams = new GuideStreams(ctx.metrics);
    return {
      exports: { guides, templates, drafting } satisfies GuidesExports,
      routes: (app) => {
        registerGuideRoutes(app, { guides, templates, drafting, events, streams });
      },
      // Coding agents reach the same use cases over MCP.
      mcp: guideTools({ guides, drafting }),
      drain: () => {
        streams.drain();
      },
    };
  },
});

export type { GuideService } from "./guides.service.ts";
export type { GuidesTables } from "./guides.tables.ts";
