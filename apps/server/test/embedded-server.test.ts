import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startParley, type RunningParley } from "../src/app/parley.ts";
import { loadConfig } from "../src/config/config.ts";

let parley: RunningParley;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-embedded-"));
  parley = await startParley(loadConfig({ env: {}, flags: { port: 0, host: "127.0.0.1", dataDir } }), {
    logger: pino({ level: "silent" }),
    webRoot: null,
  });
});
afterAll(async () => {
  await parley.stop();
});

const get = (path: string, init?: RequestInit) => fetch(`${parley.url}${path}`, init);

describe("embedded server", () => {
  it("is alive on /healthz", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("reports every component up on /readyz with its latency", async () => {
    const res = await get("/readyz");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      components: Record<string, { status: string; latencyMs: number }>;
    };
    expect(body.status).toBe("ready");
    expect(Object.keys(body.components).sort()).toEqual([
      "blob",
      "bus",
      "database",
      "rate-limit",
      "registry",
    ]);
    for (const component of Object.values(body.components)) {
      expect(component.status).toBe("up");
      expect(component.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it("describes itself as embedded, role all", async () => {
    const res = await get("/api/v1/system/info");
    expect(await res.json()).toMatchObject({
      name: "parley",
      mode: "embedded",
      role: "all",
      podId: parley.podId,
    });
  });

  it("exports Prometheus metrics: HTTP durations by route and status, event-loop lag, pool and bus", async () => {
    await get("/healthz");
    await get("/nowhere");
    const text = await (await get("/metrics")).text();
    expect(text).toMatch(
      /parley_http_request_duration_seconds_bucket\{[^}]*route="\/healthz"[^}]*status_code="200"/,
    );
    expect(text).toMatch(
      /parley_http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status_code="404"/,
    );
    expect(text).toContain("nodejs_eventloop_lag_p99_seconds");
    expect(text).toMatch(/parley_db_pool_connections\{[^}]*state="total"/);
    expect(text).toMatch(/parley_bus_operations\{[^}]*op="published"/);
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const doc = (await (await get("/api/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/healthz", "/readyz", "/metrics", "/api/v1/system/info"]),
    );
    expect(doc.paths["/readyz"]?.get?.responses).toHaveProperty("503");
    expect(JSON.stringify(doc)).toContain("SystemInfo");
    expect(doc.paths["/api/v1/system/info"]?.get?.responses).toHaveProperty("4XX");
    expect(JSON.stringify(doc.paths["/api/v1/system/info"]?.get?.responses["4XX"])).toContain(
      "ErrorEnvelope",
    );
  });

  it("serves an API reference page at /api/docs", async () => {
    const res = await get("/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/api/openapi.json");
    // Its script comes with it (loaded on the first visit, not at start), and a wrong path under
    // it answers the JSON error envelope.
    const script = await get("/api/docs/js/scalar.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    const missing = await get("/api/docs/no-such-file");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "route.not_found" } });
  });

  it("answers unknown API paths with the JSON error envelope", async () => {
    const res = await get("/api/v1/does-not-exist");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "route.not_found" } });
  });
});
