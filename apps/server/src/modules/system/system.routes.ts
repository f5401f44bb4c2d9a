import { createHash, timingSafeEqual } from "node:crypto";
import { Liveness, Readiness, SystemInfo } from "@parley/contracts";
import type { Registry } from "prom-client";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { SystemService } from "./system.service.ts";

/** Probes and metrics: public, exempt from rate limits, answered by every role. */
export function registerProbeRoutes(
  app: TypedApp,
  deps: { system: SystemService; metrics: Registry; metricsToken?: string | undefined },
): void {
  const probe = { permission: "public", rateLimit: false } as const;

  app.get(
    "/healthz",
    {
      config: probe,
      schema: {
        tags: ["system"],
        summary: "Liveness: the process is up and its event loop turns",
        response: { 200: Liveness },
      },
    },
    () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      config: probe,
      schema: {
        tags: ["system"],
        summary: "Readiness: every dependency answers; 503 names those that do not",
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const readiness = await deps.system.readiness();
      return reply.code(readiness.status === "ready" ? 200 : 503).send(readiness);
    },
  );

  app.get(
    "/metrics",
    {
      config: probe,
      schema: {
        tags: ["system"],
        summary:
          "Prometheus metrics of this process (with PARLEY_METRICS_TOKEN set: only with that bearer token)",
        produces: ["text/plain"],
      },
    },
    async (request, reply) => {
      if (deps.metricsToken !== undefined && !bearerIs(request.headers.authorization, deps.metricsToken))
        throw new AppError(
          "auth.required",
          "Metrics need the metrics token: Authorization: Bearer <PARLEY_METRICS_TOKEN>",
          {
            headers: { "www-authenticate": 'Bearer realm="metrics"' },
          },
        );
      const body = await deps.metrics.metrics();
      return reply.type(deps.metrics.contentType).send(body);
    },
  );
}

/** The system part of the versioned API, served by `api` and `all` processes. */
export function registerSystemApiRoutes(app: TypedApp, deps: { system: SystemService }): void {
  app.get(
    "/api/v1/system/info",
    {
      config: { permission: "public" },
      schema: {
        tags: ["system"],
        summary: "Version, deployment mode and role of the process that answered",
        response: { 200: SystemInfo },
      },
    },
    () => deps.system.info(),
  );
}

/** Whether `header` is `Bearer <token>`, compared in constant time (digests of equal length). */
function bearerIs(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? "")?.[1];
  if (!given) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}
