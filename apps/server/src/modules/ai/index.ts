/** The AI module: the one pipeline every surface's AI calls go through. */
import { defineModule } from "../../kernel/module.ts";
import { aiErrors } from "./ai.errors.ts";
import { aiTopics } from "@parley/contracts";
import type { AuditExports } from "../audit/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import { aiAuditStage } from "./ai-audit.stage.ts";
import { AiPipeline } from "./ai-pipeline.ts";
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { createAiMetrics } from "./ai.metrics.ts";
import { contextWindowStage } from "./context-window.stage.ts";

/** What the AI module offers the surfaces built after it. */
export interface AiExports {
  pipeline: AiPipeline;
}

/** Authorization, limits, provider calls with retries and fallbacks, metering and audit. */
export const aiModule = defineModule({
  name: "ai",
  errors: aiErrors,
  topics: aiTopics,
  needs: ["audit", "providers"],
  permissions: ["ai:use"],
  tables: [],
  migrations: {},
  build: (
    ctx,
    deps: {
      audit: AuditExports;
      providers: ProvidersExports;
    },
  ) => {
    // Every module's stages, ordered by the composition root (ADR 0016).
    const pipeline = new AiPipeline({
      catalog: deps.providers.catalog,
      stages: () => ctx.aiStages(),
      clock: ctx.platform.clock,
      logger: ctx.logger,
      events: ctx.bus,
      metrics: createAiMetrics(ctx.metrics),
      policy: {
        maxRetries: ctx.config.aiMaxRetries,
        firstTokenMs: ctx.config.aiFirstTokenTimeoutMs,
        idleMs: ctx.config.aiIdleTimeoutMs,
      },
    });
    return {
      exports: { pipeline } satisfies AiExports,
      stages: [
        { order: STAGE_ORDER.request, stage: contextWindowStage() },
        { order: STAGE_ORDER.record, stage: aiAuditStage({ audit: deps.audit.audit }) },
      ],
    };
  },
});

export type { AiPipeline, ChatRun, EmbedResult } from "./ai-pipeline.ts";
export { answerSources } from "./answer-sources.ts";
export type * from "../../kernel/ai-stage.ts";
export type * from "../../kernel/ai-call.ts";
