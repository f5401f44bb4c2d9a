import { MyUsageQuery, UsageQuery, UsageReport } from "@parley/contracts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { contextOf } from "../../http/request-context.ts";
import type { UsageService } from "./usage.service.ts";

/** Usage reports for operators and admins. */
export function registerUsageRoutes(app: TypedApp, deps: { usage: UsageService }): void {
  app.get(
    "/api/v1/usage",
    {
      config: { permission: "usage:read" },
      schema: {
        tags: ["usage"],
        summary: "Tokens, cost and timings of AI calls, by user, team, model, assistant, channel or day",
        querystring: UsageQuery,
        response: { 200: UsageReport },
      },
    },
    (request) => deps.usage.report(request.query, contextOf(request)),
  );
  app.get(
    "/api/v1/me/usage",
    {
      config: { permission: "authenticated" },
      schema: {
        tags: ["usage"],
        summary: "Your own AI calls: tokens and cost by day, channel, assistant or model",
        querystring: MyUsageQuery,
        response: { 200: UsageReport },
      },
    },
    (request) => deps.usage.mine(request.query, contextOf(request)),
  );
}
