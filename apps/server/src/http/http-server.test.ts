import { Writable } from "node:stream";
import fc from "fast-check";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ErrorEnvelope } from "@parley/contracts";
import { z } from "zod";
import { createMetrics } from "../platform/metrics/metrics.ts";
import { MemoryRateLimiter } from "../platform/rate-limit/memory-rate-limiter.ts";
import { AppError } from "../kernel/app-error.ts";
import { buildHttpServer, type HttpServerDeps } from "./http-server.ts";
import { errorCatalog } from "../app/errors.ts";
import { HIDDEN_MESSAGE } from "../kernel/define-errors.ts";
import type { TypedApp } from "../kernel/route-config.ts";

/** The `error` of an error envelope answer. */
function errorOf(res: { json: () => unknown }): { code: string; message: string; details?: unknown } {
  return (res.json() as ErrorEnvelope).error;
}

interface Harness {
  app: TypedApp;
  logs: Record<string, unknown>[];
}

const apps: TypedApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

const Echo = z.strictObject({ name: z.string().min(1).max(50), count: z.number().int().min(0).optional() });

/** The real edge with a few routes that exercise it: an echo with a strict schema, and errors. */
async function harness(overrides: Partial<HttpServerDeps> = {}): Promise<Harness> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean))
        logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await buildHttpServer(
    {
      logger: pino({ level: "info" }, sink),
      metrics: createMetrics({ pod: "test", role: "all" }),
      rateLimiter: new MemoryRateLimiter(),
      bodyLimitBytes: 1024,
      trustProxy: false,
      ipRateLimitPerMinute: 1000,
      version: "0.0.0-test",
      errors: errorCatalog,
      ...overrides,
    },
    async (scope) => {
      scope.post("/api/v1/echo", { config: { permission: "public" }, schema: { body: Echo } }, (request) => ({
        hello: request.body.name,
      }));
      scope.get(
        "/api/v1/own-headers",
        { config: { permission: "public", helmet: false } },
        (_request, reply) => reply.header("x-content-type-options", "nosniff").send({ ok: true }),
      );
      scope.get<{ Params: { code: string } }>(
        "/api/v1/fail/:code",
        { config: { permission: "public" } },
        (request) => {
          const code = request.params.code;
          if (code === "crash") throw new Error("database password is hunter2");
          throw new AppError(code as never, `failed with ${code}`, { details: { why: "test" } });
        },
      );
      // A route for strangers: its errors' words rewritten by `errorText`, which tries to reach
      // further (a code, a status) than it may.
      scope.get<{ Params: { code: string } }>(
        "/api/v1/stranger/:code",
        {
          config: {
            permission: "public",
            errorText: (code) =>
              ({ message: `words for ${code}`, code: "server.internal", status: 200 }) as never,
          },
        },
        (request) => {
          const code = request.params.code;
          if (code === "crash") throw new Error("database password is hunter2");
          throw new AppError(code as never, `failed with ${code} at 1200 micro-units`, {
            details: { availableMicros: 3 },
            headers: { "retry-after": "7" },
          });
        },
      );
      return Promise.resolve();
    },
  );
  apps.push(app);
  await app.ready();
  return { app, logs };
}

describe("HTTP edge", () => {
  it("answers validated JSON and echoes a generated request id", async () => {
    const { app } = await harness();
    const res = await app.inject({ method: "POST", url: "/api/v1/echo", payload: { name: "ada" } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ hello: "ada" });
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a well-formed incoming x-request-id and puts it on every log line of the request", async () => {
    const { app, logs } = await harness();
    const res = await app.inject({ method: "GET", url: "/nope", headers: { "x-request-id": "abc-123" } });
    expect(res.headers["x-request-id"]).toBe("abc-123");
    expect(res.json()).toMatchObject({ error: { requestId: "abc-123" } });
    const lines = logs.filter((l) => l.requestId === "abc-123");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.some((l) => l.msg === "request")).toBe(true);
  });

  it("replaces a malformed x-request-id instead of logging it", async () => {
    const { app } = await harness();
    const res = await app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-request-id": "bad id\n{json}" },
    });
    // A fresh UUID replaces it (checking for "bad" would fail when a UUID happens to contain it).
    expect(res.headers["x-request-id"]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it.each([
    ["auth.required", 401],
    ["auth.forbidden", 403],
    ["resource.not_found", 404],
    ["resource.conflict", 409],
    ["server.unavailable", 503],
  ])("maps %s to %i in the error envelope", async (code, status) => {
    const { app } = await harness();
    const res = await app.inject({ method: "GET", url: `/api/v1/fail/${code}` });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({
      error: {
        code,
        message: `failed with ${code}`,
        details: { why: "test" },
        requestId: res.headers["x-request-id"],
      },
    });
  });

  it.each([
    ["rate_limit.exceeded", 429],
    ["budget.exceeded", 402],
    ["widget.not_found", 404],
    ["crash", 500],
  ])(
    "rewrites only the words of %s on a route for strangers: code, status, headers, request id stay; the log keeps the thrown message",
    async (thrown, status) => {
      const { app, logs } = await harness();
      const res = await app.inject({ method: "GET", url: `/api/v1/stranger/${thrown}` });
      const code = thrown === "crash" ? "server.internal" : thrown;
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({
        error: { code, message: `words for ${code}`, requestId: res.headers["x-request-id"] },
      });
      if (thrown !== "crash") expect(res.headers["retry-after"]).toBe("7");
      const logged = JSON.stringify(logs.filter((l) => l.requestId === res.headers["x-request-id"]));
      expect(logged).toContain(thrown === "crash" ? "hunter2" : "1200 micro-units");
    },
  );

  it("hides the message of an unexpected error and logs it in full", async () => {
    const { app, logs } = await harness();
    const res = await app.inject({ method: "GET", url: "/api/v1/fail/crash" });
    expect(res.statusCode).toBe(500);
    expect(errorOf(res).code).toBe("server.internal");
    expect(res.body).not.toContain("hunter2");
    expect(logs.some((l) => l.level === 50 && JSON.stringify(l).includes("hunter2"))).toBe(true);
  });

  it("answers a code declared hidden with its generic message and logs the thrown one", async () => {
    const { app, logs } = await harness();
    const res = await app.inject({ method: "GET", url: "/api/v1/fail/server.internal" });
    expect(res.statusCode).toBe(500);
    expect(errorOf(res)).toEqual({
      code: "server.internal",
      message: HIDDEN_MESSAGE,
      requestId: res.headers["x-request-id"],
    });
    const logged = logs.filter(
      (l) => l.level === 50 && JSON.stringify(l).includes("failed with server.internal"),
    );
    expect(logged).toHaveLength(1);
  });

  it("answers 404 route.not_found for unknown paths and 405 with Allow for known paths", async () => {
    const { app } = await harness();
    const missing = await app.inject({ method: "GET", url: "/api/v1/nothing-here" });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing).code).toBe("route.not_found");
    const wrong = await app.inject({ method: "DELETE", url: "/api/v1/echo" });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe("POST");
    expect(errorOf(wrong).code).toBe("route.method_not_allowed");
  });

  it("rejects malformed JSON, empty JSON, wrong types, unknown fields, other media types and big bodies", async () => {
    const { app } = await harness();
    const send = (payload: string, type = "application/json") =>
      app.inject({ method: "POST", url: "/api/v1/echo", payload, headers: { "content-type": type } });
    const cases: [string, string, number, string][] = [
      ["{not json", "application/json", 400, "request.malformed_json"],
      ["", "application/json", 400, "request.malformed_json"],
      ['{"name": 42}', "application/json", 400, "validation.failed"],
      ['{"name": "a", "admin": true}', "application/json", 400, "validation.failed"],
      ["name=a", "application/x-www-form-urlencoded", 415, "request.unsupported_media_type"],
      [JSON.stringify({ name: "x".repeat(2000) }), "application/json", 413, "request.body_too_large"],
    ];
    for (const [payload, type, status, code] of cases) {
      const res = await send(payload, type);
      expect([res.statusCode, errorOf(res).code], payload.slice(0, 30)).toEqual([status, code]);
    }
  });

  it("refuses a NUL character anywhere in the body, the query or the path with 400, naming where", async () => {
    const { app } = await harness();
    const cases: { url: string; payload?: unknown; location: string; path: string }[] = [
      { url: "/api/v1/echo", payload: { name: "a\u0000b" }, location: "body", path: "name" },
      { url: "/api/v1/echo", payload: { name: "a", "k\u0000": 1 }, location: "body", path: "k\u0000" },
      { url: "/api/v1/echo?q=%00", payload: { name: "a" }, location: "query", path: "q" },
      { url: "/api/v1/fail/a%00b", location: "params", path: "code" },
    ];
    for (const c of cases) {
      const res = await app.inject({
        method: c.payload === undefined ? "GET" : "POST",
        url: c.url,
        ...(c.payload === undefined ? {} : { payload: c.payload as object }),
      });
      expect(res.statusCode, c.url).toBe(400);
      expect(errorOf(res)).toMatchObject({
        code: "validation.failed",
        details: { issues: [{ location: c.location, path: c.path }] },
      });
    }
    // Deep nesting is walked without recursion; a clean body passes.
    const deep = `${"[".repeat(20_000)}"x\\u0000"${"]".repeat(20_000)}`;
    const roomy = (await harness({ bodyLimitBytes: 1_000_000 })).app;
    const nested = await roomy.inject({
      method: "POST",
      url: "/api/v1/echo",
      payload: `{"name":"a","deep":${deep}}`,
      headers: { "content-type": "application/json" },
    });
    expect([nested.statusCode, errorOf(nested).code]).toEqual([400, "validation.failed"]);
    expect(
      (await app.inject({ method: "POST", url: "/api/v1/echo", payload: { name: "a" } })).statusCode,
    ).toBe(200);
  });

  it("names the offending field of a validation failure", async () => {
    const { app } = await harness();
    const res = await app.inject({ method: "POST", url: "/api/v1/echo", payload: { name: "a", count: -1 } });
    expect((errorOf(res).details as { issues: unknown[] }).issues).toEqual([
      expect.objectContaining({ location: "body", path: "count" }),
    ]);
  });

  it("limits requests per IP with 429, Retry-After and RateLimit headers", async () => {
    const { app } = await harness({ ipRateLimitPerMinute: 3 });
    const statuses = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await app.inject({ method: "POST", url: "/api/v1/echo", payload: { name: "a" } });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.headers["retry-after"]).toMatch(/^\d+$/);
    expect(last?.headers["ratelimit-limit"]).toBe("3");
    expect(last?.headers["ratelimit-remaining"]).toBe("0");
    expect((last ? errorOf(last) : undefined)?.code).toBe("rate_limit.exceeded");
  });

  it("sends security headers", async () => {
    const { app } = await harness();
    const res = await app.inject({ method: "GET", url: "/api/v1/nothing" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["strict-transport-security"]).toBeDefined();
  });

  it("sends none of them on a route that opts out with helmet: false, and still its own", async () => {
    const { app } = await harness();
    const res = await app.inject({ method: "GET", url: "/api/v1/own-headers" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-security-policy"]).toBeUndefined();
    expect(res.headers["x-frame-options"]).toBeUndefined();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-request-id"]).toBeDefined();
  });

  it("refuses to start when a route declares no permission", async () => {
    const app = await buildHttpServer(
      {
        logger: pino({ level: "silent" }),
        metrics: createMetrics({ pod: "t", role: "all" }),
        rateLimiter: new MemoryRateLimiter(),
        bodyLimitBytes: 1024,
        trustProxy: false,
        ipRateLimitPerMinute: 10,
        version: "0",
        errors: errorCatalog,
      },
      async (scope) => {
        scope.get("/api/v1/open", () => "oops");
        return Promise.resolve();
      },
    );
    apps.push(app);
    await expect(app.ready()).rejects.toThrow(/without a declared permission.*GET \/api\/v1\/open/);
  });

  it("never answers 5xx to arbitrary bodies and content types (fuzz)", async () => {
    const { app } = await harness({ ipRateLimitPerMinute: 100_000 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        fc.constantFrom(
          "application/json",
          "text/plain",
          "application/json; charset=utf-8",
          "",
          "multipart/form-data",
        ),
        async (payload, type) => {
          const headers: Record<string, string> = type ? { "content-type": type } : {};
          const res = await app.inject({ method: "POST", url: "/api/v1/echo", payload, headers });
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode >= 400) expect(typeof errorOf(res).code).toBe("string");
        },
      ),
      { numRuns: 300 },
    );
  });
});
