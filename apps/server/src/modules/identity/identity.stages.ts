import type { RateLimiter } from "../../platform/rate-limit/rate-limit.port.ts";
import type { PipelineStage } from "../../kernel/ai-stage.ts";
import { consumePrincipalLimit, rateLimitError, type RoleRateLimits } from "./identity.module.ts";

/**
 * The per-principal AI rate limit (per user, and per API key; `aiPerMinute` of the caller's
 * role): refuses with `rate_limit.exceeded` and a Retry-After. Placed before the metering and
 * audit stages, a refused call costs no write.
 * @example
 * stages: [rateLimitStage({ limiter, rateLimits }), contextWindowStage(), ...]
 */
export function rateLimitStage(deps: { limiter: RateLimiter; rateLimits: RoleRateLimits }): PipelineStage {
  return {
    name: "rate_limit",
    async before(_call, ctx) {
      const decision = await consumePrincipalLimit(deps.limiter, deps.rateLimits, ctx.principal, "ai");
      if (!decision.allowed) throw rateLimitError(decision, ctx.principal, "ai");
    },
  };
}
