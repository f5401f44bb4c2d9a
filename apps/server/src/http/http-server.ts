import { randomUUID } from "node:crypto";
import { refuseNul } from "./nul-guard.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import Fastify, {
  LogController,
  type FastifyContextConfig,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
  type RouteOptions,
} from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import type { HelmetOptions } from "helmet";
import type { Logger } from "pino";
import { redactPath, redactUrl } from "../platform/log-redaction.ts";
import type { Metrics } from "../platform/metrics/metrics.ts";
import type { RateLimiter } from "../platform/rate-limit/rate-limit.port.ts";
import { ErrorEnvelope, type ErrorCode } from "@parley/contracts";
import { AppError } from "../kernel/app-error.ts";
import type { ErrorCatalog } from "../kernel/define-errors.ts";
import { authenticateRequest, type EdgeAuth } from "./authenticate.ts";
import { presentError } from "./error-status.ts";
import { registerOpenApi, registerOpenApiDocument } from "./openapi.ts";
import { registerSecurityHeaders, securityHeadersFor } from "./security-headers.ts";
import { answerClientError } from "./client-errors.ts";
import type { TypedApp } from "../kernel/route-config.ts";

/** What the HTTP edge needs from the rest of the process. */
export interface HttpServerDeps {
  logger: Logger;
  metrics: Metrics;
  rateLimiter: RateLimiter;
  bodyLimitBytes: number;
  /**
   * Time to receive a whole request, headers and body (408 `request.timeout` after it); default
   * 30 s. Responses are not limited: event streams stay open for hours.
   */
  requestTimeoutMs?: number;
  /** Which `X-Forwarded-For` entries to believe (`PARLEY_TRUST_PROXY`): none, a hop count, proxy addresses, or all. */
  trustProxy: boolean | number | string[];
  ipRateLimitPerMinute: number;
  /** Folder of the built web app, served at `/` when it exists. */
  webRoot?: string;
  version: string;
  /** Authentication and authorization; without it only public routes answer. */
  auth?: EdgeAuth;
  /** True once the process is shutting down: responses then close their connection. */
  draining?: () => boolean;
  /** Every error code's status and visibility (`app/errors.ts`). */
  errors: ErrorCatalog;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Helmet's options for every response, errors included. */
const SECURITY_HEADERS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      "default-src": ["'self'"],
      "script-src": ["'self'"],
      "style-src": ["'self'", "'unsafe-inline'"],
      "img-src": ["'self'", "data:", "blob:"],
      "font-src": ["'self'", "data:"],
      "connect-src": ["'self'"],
      "frame-ancestors": ["'none'"],
      "object-src": ["'none'"],
      "base-uri": ["'self'"],
      // Self-hosted installs are often reached over plain HTTP on a LAN address; upgrading
      // their asset requests to HTTPS would break the page.
      "upgrade-insecure-requests": null,
    },
  },
};
/** The same headers as a map, for answers written without a reply's hooks. */
const CORE_HEADERS = securityHeadersFor(SECURITY_HEADERS);
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * Builds the Fastify instance with the cross-cutting edge: request ids, security headers,
 * body limits, error envelope, 404/405, per-IP rate limit, metrics and OpenAPI. `register`
 * adds the modules' routes.
 */
export async function buildHttpServer(
  deps: HttpServerDeps,
  register: (app: TypedApp) => Promise<void>,
): Promise<TypedApp> {
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse>({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimitBytes,
    ...requestTimeouts(deps.requestTimeoutMs ?? 30_000),
    trustProxy: trustedProxies(deps.trustProxy),
    requestIdHeader: false,
    // Our onResponse hook writes one line per request with the route and timing.
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors raised before a route is found (bad percent-encoding, an overlong path segment)
    // and by the HTTP parser answer in the envelope with the security headers, like the rest.
    frameworkErrors: (error, request, reply) => {
      const presented = presentError(error, request.id, deps.errors);
      request.log.info({ code: presented.body.error.code }, presented.body.error.message);
      void (reply as FastifyReply)
        .code(presented.status)
        .headers({ ...CORE_HEADERS, ...presented.headers, "x-request-id": request.id })
        .send(presented.body);
    },
    clientErrorHandler: (error, socket) => {
      answerClientError(error, socket, CORE_HEADERS);
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const knownRoutes = FindMyWay({ ignoreTrailingSlash: true });
  // The app's index.html answers every client-side route (deep links, reloads).
  const shellFile = deps.webRoot ? join(deps.webRoot, "index.html") : undefined;
  const appShell = shellFile && existsSync(shellFile) ? readFileSync(shellFile) : undefined;
  // Checked once every plugin's onRoute hooks have run (a scope may set `permission` for the
  // routes of a third-party plugin it wraps): a route without a permission stops the start.
  const routes: RouteOptions[] = [];
  app.addHook("onReady", async () => {
    const undeclared = routes.filter((r) => !r.config?.permission);
    if (undeclared.length > 0) {
      const list = undeclared.map((r) => `${String(r.method)} ${r.url}`).join(", ");
      throw new Error(`routes without a declared permission (config.permission): ${list}`);
    }
    return Promise.resolve();
  });
  app.decorate("parleyRoutes", routes);
  app.addHook("onRoute", (route) => {
    routes.push(route);
    // Every documented route can fail with the error envelope; say so in the OpenAPI document.
    if (route.schema && route.schema.hide !== true) {
      const declared = (route.schema.response ?? {}) as Record<string, unknown>;
      route.schema.response = { "4XX": ErrorEnvelope, "5XX": ErrorEnvelope, ...declared };
    }
    for (const method of [route.method].flat()) {
      if (method === "HEAD" || method === "OPTIONS") continue;
      try {
        knownRoutes.on(method as HTTPMethod, route.url, () => undefined);
      } catch {
        // Already known (the same path registered twice for one method is Fastify's error to raise).
      }
    }
  });

  // First of the onRequest hooks, so that answers refused by a later one (401, 403, 429) carry them.
  registerSecurityHeaders(app, SECURITY_HEADERS);
  app.decorateRequest("principal", null);
  app.decorateRequest("sessionId", null);
  await app.register(fastifyCookie);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (request.routeOptions.config.rateLimit !== false) await limitByIp(deps, request, reply);
    if (deps.auth) {
      await authenticateRequest(deps.auth, request, reply);
    } else {
      const permission = request.routeOptions.config.permission;
      if (permission && permission !== "public") throw new AppError("auth.required", "Sign in first");
    }
  });
  app.addHook("preValidation", (request, _reply, done) => {
    try {
      if (!request.routeOptions.config.acceptsNul) refuseNul(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    // While draining, a kept-alive connection would hold the close open until the client's idle
    // timeout: tell the client to reconnect (elsewhere) after this response.
    if (deps.draining?.()) reply.header("connection", "close");
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      "request",
    );
    return Promise.resolve();
  });

  app.setErrorHandler(async (error, request, reply) => {
    const presented = presentError(error, request.id, deps.errors);
    const { code, message } = presented.body.error;
    if (presented.logLevel === "error") request.log.error({ err: error }, "request failed");
    else if (presented.logLevel === "warn") request.log.warn({ code, status: presented.status }, message);
    else request.log.info({ code }, message);
    // A route that sets its own headers (the event stream) still answers its errors as a document.
    if (request.routeOptions.config.helmet === false && !reply.sent) reply.headers(CORE_HEADERS);
    const body = audienceBody(presented.body, request.routeOptions.config.errorText);
    return reply.code(presented.status).headers(presented.headers).send(body);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const allowed = METHODS.filter((m) => knownRoutes.find(m, path) !== null);
    if (allowed.length > 0) {
      throw new AppError(
        "route.method_not_allowed",
        `${request.method} is not allowed on ${redactPath(path)}`,
        {
          headers: { allow: allowed.join(", ") },
          details: { allow: allowed },
        },
      );
    }
    if (appShell !== undefined && request.method === "GET" && isAppPath(path)) {
      return reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(appShell);
    }
    // The message is logged: a mistyped invitation link must not write its token there.
    throw new AppError("route.not_found", `No route ${request.method} ${redactPath(path)}`);
  });

  await registerOpenApi(app, deps.version);
  await register(app);
  await registerOpenApiDocument(app);
  const webRoot = deps.webRoot;
  if (webRoot && appShell !== undefined) {
    await app.register(async (scope) => {
      scope.addHook("onRoute", (route) => {
        route.config = { ...route.config, permission: "public" };
      });
      await scope.register(fastifyStatic, { root: webRoot, wildcard: false, index: "index.html" });
      // Browsers ask for /favicon.ico on pages that name no icon (JSON, the API docs): the app's.
      scope.get("/favicon.ico", { schema: { hide: true } }, (_request, reply) =>
        reply.type("image/svg+xml").header("cache-control", "public, max-age=86400").sendFile("favicon.svg"),
      );
    });
  }
  return app;
}

/**
 * Node's limits for receiving a request: the whole request (a body that stops arriving holds a
 * connection no longer) and its headers within `ms`, checked often enough to be on time (Node
 * checks every 30 s by default). They end when the request is received, so a long response
 * (an event stream, a streamed completion) is never cut.
 */
function requestTimeouts(ms: number) {
  const checkEvery = Math.min(5_000, Math.max(100, Math.floor(ms / 10)));
  return {
    requestTimeout: ms,
    http: { requestTimeout: ms, headersTimeout: ms, connectionsCheckingInterval: checkEvery },
  };
}

/**
 * Paths the single-page app handles itself: anything that is not an API or ops endpoint and
 * does not look like a file (a missing `/favicon.ico` is a 404, not the app).
 */
function isAppPath(path: string): boolean {
  return !/^\/(api|v1|healthz|readyz|metrics)(\/|$)/.test(path) && !/\.[A-Za-z0-9]+$/.test(path);
}

async function limitByIp(deps: HttpServerDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const rule = { points: deps.ipRateLimitPerMinute, durationMs: 60_000 };
  let decision;
  try {
    decision = await deps.rateLimiter.consume(`ip:${request.ip}`, rule);
  } catch (err) {
    // Availability over strictness for the coarse per-IP limit: a limiter outage lets traffic
    // through, counted and logged, instead of taking the whole API down.
    deps.metrics.rateLimitErrors.inc();
    request.log.warn({ err }, "rate limiter unavailable; request allowed");
    return;
  }
  reply.header("ratelimit-limit", String(decision.limit));
  reply.header("ratelimit-remaining", String(decision.remaining));
  reply.header("ratelimit-reset", String(Math.ceil(decision.resetMs / 1000)));
  if (!decision.allowed) {
    const retryAfter = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    throw new AppError("rate_limit.exceeded", `Too many requests; retry in ${retryAfter} s`, {
      headers: { "retry-after": retryAfter },
      details: { limit: decision.limit, windowSeconds: 60, scope: "ip" },
    });
  }
}

/** Fastify's form of `PARLEY_TRUST_PROXY`: a hop count trusts that many proxies nearest to us. */
function trustedProxies(
  setting: boolean | number | string[],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === "number" ? (_address, hop) => hop < setting : setting;
}

/**
 * The envelope as the route's audience reads it (`config.errorText`): its message and details
 * rewritten, its code and request id kept whatever the rewrite returns.
 */
function audienceBody(body: ErrorEnvelope, errorText: FastifyContextConfig["errorText"]): ErrorEnvelope {
  if (!errorText) return body;
  const { code, requestId } = body.error;
  // `presentError` builds every envelope from an `ErrorCode`.
  const shown = errorText(code as ErrorCode, {
    message: body.error.message,
    ...(body.error.details !== undefined ? { details: body.error.details } : {}),
  });
  return {
    error: {
      code,
      message: shown.message,
      ...(shown.details !== undefined ? { details: shown.details } : {}),
      requestId,
    },
  };
}
