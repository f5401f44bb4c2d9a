/** The prompts module: prompt templates and personas, versioned, labelled, A/B split and measured. */
import { promptTopics } from "@parley/contracts";
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import { LabelCache, PromptChanges } from "./label-cache.ts";
import * as promptsMigration from "./migrations/2026-12-07T0200-prompts.ts";
import { PersonaService } from "./persona.service.ts";
import { PromptAccess } from "./prompt-access.ts";
import { PromptActivityRepository } from "./prompt-activity.repository.ts";
import { registerLabelRoutes } from "./prompt-labels.routes.ts";
import { LabelService } from "./prompt-labels.service.ts";
import { PromptRepository } from "./prompts.repository.ts";
import { promptsErrors } from "./prompts.errors.ts";
import { registerPromptRoutes } from "./prompts.routes.ts";
import { PromptService } from "./prompts.service.ts";
import { personaStage } from "./prompts.stages.ts";

/** What the prompts module offers the modules built after it. */
export interface PromptsExports {
  prompts: PromptService;
  personas: PersonaService;
}

/**
 * Prompt templates and personas per team (ADR 0026): immutable versions and their diff, labels
 * with approvals for protected ones, sticky A/B splits, the persona stage, per-version stats.
 */
export const promptsModule = defineModule({
  name: "prompts",
  errors: promptsErrors,
  topics: promptTopics,
  needs: ["audit", "providers"],
  permissions: ["prompts:read", "prompts:manage", "prompts:approve"],
  tables: ["prompts", "prompt_versions", "prompt_labels", "prompt_label_requests", "prompt_calls"],
  migrations: {
    "2026-12-07T0200-prompts": promptsMigration,
  },
  build: (ctx, deps: { audit: AuditExports; providers: ProvidersExports }) => {
    const { database, clock } = ctx.platform;
    const repository = new PromptRepository(database);
    const activity = new PromptActivityRepository(database);
    const access = new PromptAccess(repository);
    const labels = new LabelCache({ load: (id) => repository.labels([id]), clock });
    const changes = new PromptChanges({ bus: ctx.bus, podId: ctx.podId, cache: labels });
    const shared = { prompts: repository, activity, access, changes, audit: deps.audit.audit, clock };
    const prompts = new PromptService({ ...shared, labels });
    const labelService = new LabelService(shared);
    const personas = new PersonaService({
      prompts: repository,
      activity,
      access,
      labels,
      clock,
      defaultModel: async () => (await deps.providers.catalog.list()).find((m) => m.enabled)?.id ?? null,
    });
    return {
      exports: { prompts, personas } satisfies PromptsExports,
      routes: (app) => {
        registerPromptRoutes(app, { prompts });
        registerLabelRoutes(app, { labels: labelService });
      },
      stages: [{ order: STAGE_ORDER.context, stage: personaStage({ personas }) }],
      workers: [
        {
          // Every process resolves personas (api: the gateway; worker: chat answers).
          name: "prompt change announcements",
          roles: ["api", "worker", "all"],
          start: () => changes.listen(),
        },
      ],
    };
  },
});

export type { PersonaService, PersonaTarget } from "./persona.service.ts";
export type { PromptService } from "./prompts.service.ts";
export type { PromptsTables } from "./prompts.tables.ts";
