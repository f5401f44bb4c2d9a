import pino from "pino";
import type { Model, Provider, ProviderTestResult, Role } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EdgeAuth } from "../../http/authenticate.ts";
import { buildHttpServer } from "../../http/http-server.ts";
import { errorCatalog } from "../../app/errors.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { createMetrics } from "../../platform/metrics/metrics.ts";
import { MemoryRateLimiter } from "../../platform/rate-limit/memory-rate-limiter.ts";
import { startFakeUpstream, type FakeUpstream } from "../../../test/fake-upstream/fake-upstream.ts";
import { declare, principal, providersFactory, type ProvidersHarness } from "./providers-test-support.ts";

/** Bearer tokens the stub edge accepts: the role names. */
const edge: EdgeAuth = {
  verify: (credential) =>
    ["admin", "operator", "developer", "viewer"].includes(credential)
      ? Promise.resolve({ principal: principal(credential as Role), sessionId: null })
      : Promise.reject(new Error("unknown token")),
  denied: () => Promise.resolve(),
  limit: () => Promise.resolve(),
};
const SECRET = "sk-route-secret-do-not-leak";

describe("providers and models over HTTP", () => {
  const factory = providersFactory("sqlite");
  let h: ProvidersHarness;
  let app: TypedApp;
  let upstream: FakeUpstream;
  const bodies: string[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream({ models: ["org/model-a"], apiKey: SECRET });
    h = await factory.create({
      config: {
        providers: declare({ id: "cfg", type: "openai", apiKey: "sk-config-secret", models: ["gpt-4o"] }),
        ollamaUrl: "http://127.0.0.1:9",
        ollamaDetect: false,
      },
    });
    app = await buildHttpServer(
      {
        logger: pino({ level: "silent" }),
        metrics: createMetrics({ pod: "test", role: "all" }),
        rateLimiter: new MemoryRateLimiter(),
        bodyLimitBytes: 65_536,
        trustProxy: false,
        ipRateLimitPerMinute: 100_000,
        version: "0.0.0-test",
        errors: errorCatalog,
        auth: edge,
      },
      async (scope) => {
        h.module.registerRoutes(scope);
        return Promise.resolve();
      },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
    await factory.cleanup();
  });

  const call = async (
    method: "GET" | "POST" | "PATCH" | "DELETE",
    url: string,
    token = "admin",
    body?: unknown,
  ) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    bodies.push(res.body);
    return res;
  };
  const code = (res: { json: () => unknown }) => (res.json() as { error: { code: string } }).error.code;

  it("creates, lists, changes and deletes a provider, never returning its key", async () => {
    const created = await call("POST", "/api/v1/providers", "admin", {
      id: "up",
      name: "Upstream",
      type: "openai-compatible",
      baseURL: `${upstream.url}/v1/`,
      apiKey: SECRET,
      models: [{ id: "org/model-a", aliases: ["a"], inputPricePerMTok: 0.2, outputPricePerMTok: 0.8 }],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json<Provider>()).toMatchObject({
      id: "up",
      baseURL: `${upstream.url}/v1`,
      hasApiKey: true,
    });
    const list = await call("GET", "/api/v1/providers", "operator");
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: Provider[] }>().items.map((p) => [p.id, p.source, p.hasApiKey])).toEqual([
      ["cfg", "config", true],
      ["up", "api", true],
    ]);
    const tested = await call("POST", "/api/v1/providers/up/test");
    expect(tested.json<ProviderTestResult>()).toMatchObject({ ok: true, models: ["org/model-a"] });
    const patched = await call("PATCH", "/api/v1/providers/up", "admin", {
      name: "Renamed",
      apiKey: `${SECRET}-2`,
    });
    expect(patched.json<Provider>()).toMatchObject({ name: "Renamed", hasApiKey: true });
    expect(bodies.join("\n")).not.toContain(SECRET);
    expect(bodies.join("\n")).not.toContain("sk-config-secret");
  });

  it("lists enabled models to AI users, with prices; model names with / travel as %2F", async () => {
    const models = await call("GET", "/api/v1/models", "developer");
    expect(models.statusCode).toBe(200);
    expect(models.json<{ items: Model[] }>().items).toContainEqual({
      id: "up/org/model-a",
      provider: "up",
      model: "org/model-a",
      aliases: ["a"],
      contextWindow: null,
      maxOutputTokens: null,
      inputPricePerMTok: 0.2,
      outputPricePerMTok: 0.8,
      fallbacks: [],
      enabled: true,
      imageInput: false,
    });
    // Whether a model reads images: guessed from its name (gpt-4o does), else an admin says.
    expect(models.json<{ items: Model[] }>().items.find((m) => m.id === "cfg/gpt-4o")?.imageInput).toBe(true);
    const seeing = await call("PATCH", "/api/v1/models/up/org%2Fmodel-a", "admin", { imageInput: true });
    expect(seeing.json<Model>().imageInput).toBe(true);
    const back = await call("PATCH", "/api/v1/models/up/org%2Fmodel-a", "admin", { imageInput: null });
    expect(back.json<Model>().imageInput).toBe(false);
    const priced = await call("PATCH", "/api/v1/models/up/org%2Fmodel-a", "admin", {
      inputPricePerMTok: 0.25,
      contextWindow: 8192,
    });
    expect(priced.statusCode).toBe(200);
    expect(priced.json<Model>()).toMatchObject({
      inputPricePerMTok: 0.25,
      outputPricePerMTok: 0.8,
      contextWindow: 8192,
    });
    const off = await call("PATCH", "/api/v1/models/cfg/gpt-4o", "admin", { enabled: false });
    expect(off.json<Model>().enabled).toBe(false);
    const visible = await call("GET", "/api/v1/models", "developer");
    expect(visible.json<{ items: Model[] }>().items.map((m) => m.id)).toEqual(["up/org/model-a"]);
    expect((await call("GET", "/api/v1/models?all=true", "developer")).statusCode).toBe(403);
    const all = await call("GET", "/api/v1/models?all=true", "operator");
    expect(all.json<{ items: Model[] }>().items.map((m) => m.id)).toEqual(["cfg/gpt-4o", "up/org/model-a"]);
  });

  it("answers each permission with 403 and each bad request with its stable code", async () => {
    expect((await call("GET", "/api/v1/models", "viewer")).statusCode).toBe(403);
    expect((await call("GET", "/api/v1/providers", "developer")).statusCode).toBe(403);
    expect(
      (await call("POST", "/api/v1/providers", "operator", { id: "x", type: "openai" })).statusCode,
    ).toBe(403);
    expect((await call("PATCH", "/api/v1/models/cfg/gpt-4o", "operator", { enabled: true })).statusCode).toBe(
      403,
    );

    const dup = await call("POST", "/api/v1/providers", "admin", { id: "up", type: "openai" });
    expect([dup.statusCode, code(dup)]).toEqual([409, "resource.conflict"]);
    const readOnly = await call("PATCH", "/api/v1/providers/cfg", "admin", { enabled: false });
    expect([readOnly.statusCode, code(readOnly)]).toEqual([409, "resource.conflict"]);
    const missing = await call("DELETE", "/api/v1/providers/ghost");
    expect([missing.statusCode, code(missing)]).toEqual([404, "provider.not_found"]);
    const noModel = await call("PATCH", "/api/v1/models/cfg/nope", "admin", { enabled: false });
    expect([noModel.statusCode, code(noModel)]).toEqual([404, "model.not_found"]);
    const clash = await call("PATCH", "/api/v1/models/cfg/gpt-4o", "admin", { aliases: ["a"] });
    expect([clash.statusCode, code(clash)]).toEqual([409, "resource.conflict"]);
    for (const bad of [
      { id: "bad", type: "cohere" },
      { id: "bad", type: "openai", baseURL: "ftp://x" },
      { id: "bad", type: "openai-compatible" },
      { id: "Bad Id", type: "openai" },
      { id: "bad", type: "openai", models: ["m", "m"] },
    ]) {
      const res = await call("POST", "/api/v1/providers", "admin", bad);
      expect([res.statusCode, code(res)]).toEqual([400, "validation.failed"]);
    }
  });

  it("deletes with 204, after which the provider's models are gone", async () => {
    expect((await call("DELETE", "/api/v1/providers/up")).statusCode).toBe(204);
    const models = await call("GET", "/api/v1/models?all=true");
    expect(models.json<{ items: Model[] }>().items.map((m) => m.id)).toEqual(["cfg/gpt-4o"]);
    expect(bodies.join("\n")).not.toContain(SECRET);
  });
});
