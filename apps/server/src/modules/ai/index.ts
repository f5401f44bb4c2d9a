/** The AI module: the one pipeline every surface's AI calls go through. */
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import type { UsageExports } from "../usage/index.ts";
import { AiPipeline } from "./ai-pipeline.ts";

/** What the AI module offers the surfaces built after it. */
export interface AiExports {
  pipeline: AiPipeline;
}

/** Authorization, limits, provider calls with retries and fallbacks, metering and audit. */
export const aiModule = defineModule({
  name: "ai",
  needs: ["audit", "providers", "usage"],
  permissions: ["ai:use"],
  tables: [],
  migrations: [],
  build: (ctx, deps: { audit: AuditExports; providers: ProvidersExports; usage: UsageExports }) => {
    const pipeline = new AiPipeline({
      catalog: deps.providers.catalog,
      limiter: ctx.platform.rateLimiter,
      rateLimits: ctx.config.rateLimits,
      usage: deps.usage.usage,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      logger: ctx.logger,
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
export type * from "./ai.types.ts";
