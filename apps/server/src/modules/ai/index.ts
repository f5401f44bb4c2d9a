/** The AI module: the one pipeline every surface's AI calls go through. */
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import type { IdentityExports } from "../identity/index.ts";
import type { UsageExports } from "../usage/index.ts";
import { aiAuditStage } from "./ai-audit.stage.ts";
import { AiPipeline } from "./ai-pipeline.ts";
import type { PipelineStage } from "./ai-stage.ts";
import { createAiMetrics } from "./ai.metrics.ts";
import { contextWindowStage } from "./context-window.stage.ts";

/** What the AI module offers the surfaces built after it. */
export interface AiExports {
  pipeline: AiPipeline;
}

/** Authorization, limits, provider calls with retries and fallbacks, metering and audit. */
export const aiModule = defineModule({
  name: "ai",
  needs: ["audit", "identity", "providers", "usage"],
  permissions: ["ai:use"],
  tables: [],
  migrations: [],
  build: (
    ctx,
    deps: {
      audit: AuditExports;
      identity: IdentityExports;
      providers: ProvidersExports;
      usage: UsageExports;
    },
  ) => {
    // The stages modules contribute, in order (ADR 0016): refusals of the stages before audit
    // and metering are neither audited nor metered.
    const defaults: PipelineStage[] = [
      deps.identity.rateLimitStage,
      contextWindowStage(),
      aiAuditStage({ audit: deps.audit.audit }),
      deps.usage.meteringStage,
    ];
    const wrap = ctx.hooks?.aiStages;
    const stages =
      typeof wrap === "function" ? (wrap as (d: PipelineStage[]) => PipelineStage[])(defaults) : defaults;
    const pipeline = new AiPipeline({
      catalog: deps.providers.catalog,
      stages,
      clock: ctx.platform.clock,
      logger: ctx.logger,
      events: ctx.platform.bus.pubsub,
      metrics: createAiMetrics(ctx.metrics),
      policy: {
        maxRetries: ctx.config.aiMaxRetries,
        firstTokenMs: ctx.config.aiFirstTokenTimeoutMs,
        idleMs: ctx.config.aiIdleTimeoutMs,
      },
    });
    return { exports: { pipeline } satisfies AiExports };
  },
});

export type { AiPipeline, ChatRun, EmbedResult } from "./ai-pipeline.ts";
export type * from "./ai-stage.ts";
export type * from "./ai.types.ts";
