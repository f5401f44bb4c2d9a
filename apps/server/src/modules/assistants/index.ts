/** The assistants module: instructions, model and settings a team answers with, on every surface. */
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { defineModule } from "../../kernel/module.ts";
import { assistantsErrors } from "./assistants.errors.ts";
import type { AuditExports } from "../audit/index.ts";
import type { KnowledgeExports } from "../knowledge/index.ts";
import { AssistantRepository } from "./assistants.repository.ts";
import { registerAssistantRoutes } from "./assistants.routes.ts";
import { AssistantService } from "./assistants.service.ts";
import { assistantStage } from "./assistants.stages.ts";
import * as assistantsMigration from "./migrations/2026-12-06T0200-assistants.ts";
import * as knowledgeBasesMigration from "./migrations/2026-12-06T0800-assistant-knowledge-bases.ts";
import { retrievalStage } from "./retrieval.stage.ts";

/** What the assistants module offers the modules built after it. */
export interface AssistantsExports {
  assistants: AssistantService;
}

/**
 * Assistants: CRUD with per-team access, the AI stage that applies one to a call, and the
 * retrieval stage that grounds its answers in its knowledge bases.
 */
export const assistantsModule = defineModule({
  name: "assistants",
  errors: assistantsErrors,
  topics: {},
  needs: ["audit", "knowledge"],
  permissions: ["assistants:read", "assistants:write", "assistants:manage"],
  tables: ["assistants", "assistant_knowledge_bases"],
  migrations: {
    "2026-12-06T0200-assistants": assistantsMigration,
    "2026-12-06T0800-assistant-knowledge-bases": knowledgeBasesMigration,
  },
  build: (ctx, deps: { audit: AuditExports; knowledge: KnowledgeExports }) => {
    const rows = new AssistantRepository(ctx.platform.database);
    const assistants = new AssistantService({
      assistants: rows,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
    });
    return {
      exports: { assistants } satisfies AssistantsExports,
      // A team's assistant belongs to its team; a personal one to no team.
      owners: {
        assistant: async (id) => {
          const row = await rows.find(id);
          return row ? { teamId: row.team_id } : null;
        },
      },
      routes: (app) => {
        registerAssistantRoutes(app, { assistants });
      },
      stages: [
        { order: STAGE_ORDER.context, stage: assistantStage({ assistants }) },
        {
          order: STAGE_ORDER.retrieval,
          stage: retrievalStage({ assistants, search: deps.knowledge.search }),
        },
      ],
    };
  },
});

export type { AssistantService } from "./assistants.service.ts";
export type { AssistantSettings } from "./assistant-view.ts";
export type { AssistantsTables } from "./assistants.tables.ts";
