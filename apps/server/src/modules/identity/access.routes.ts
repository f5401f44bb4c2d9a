import { AccessExplanation, ExplainQuery, Me } from "@parley/contracts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { AccessService } from "./access.service.ts";
import { contextOf } from "../../http/request-context.ts";

/** Who am I, and why may I (not) do something. */
export function registerAccessRoutes(app: TypedApp, deps: { access: AccessService }): void {
  app.get(
    "/api/v1/me",
    {
      config: { permission: "authenticated" },
      schema: {
        tags: ["access"],
        summary: "The caller: user, teams and effective permissions",
        response: { 200: Me },
      },
    },
    (request) => deps.access.me(contextOf(request)),
  );
  app.get(
    "/api/v1/access/explain",
    {
      config: { permission: "access:explain" },
      schema: {
        tags: ["access"],
        summary: "Why a permission is allowed or denied, for you or (with users:read) another user",
        querystring: ExplainQuery,
        response: { 200: AccessExplanation },
      },
    },
    (request) => deps.access.explain(request.query, contextOf(request)),
  );
}
