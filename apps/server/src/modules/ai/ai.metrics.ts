import { Counter, type Registry } from "prom-client";

/** Prometheus instruments of the AI pipeline, on the process's registry. */
export interface AiMetrics {
  /** Stage hooks that failed by a bug (not a refusal): never silently dropped. */
  stageFailures: Counter<"stage" | "hook">;
  /** `ai.call.settled` events the bus did not take. */
  settledPublishFailures: Counter;
}

/** Creates the AI pipeline's instruments on `registry`. */
export function createAiMetrics(registry: Registry): AiMetrics {
  return {
    stageFailures: new Counter({
      name: "parley_ai_stage_failures_total",
      help: "AI pipeline stage hooks that threw something other than a refusal, by stage and hook",
      labelNames: ["stage", "hook"] as const,
      registers: [registry],
    }),
    settledPublishFailures: new Counter({
      name: "parley_ai_settled_publish_failures_total",
      help: "ai.call.settled events that could not be published on the bus",
      registers: [registry],
    }),
  };
}
