import type { Model, Provider } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";

const SECRET = "sk-harness-secret-1234567890";
let h: Harness;
let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ models: ["llama3.2"], apiKey: SECRET });
  h = await startHarness({
    PARLEY_PROVIDERS: JSON.stringify([
      {
        id: "local",
        type: "openai-compatible",
        baseURL: `${upstream.url}/v1`,
        apiKey: SECRET,
        models: [{ id: "llama3.2", aliases: ["llama"], inputPricePerMTok: 0.1, outputPricePerMTok: 0.2 }],
      },
    ]),
    PARLEY_OLLAMA_DETECT: "false",
  });
});
afterAll(async () => {
  await h.stop();
  await upstream.close();
});

describe("providers through the embedded server", () => {
  it("serves configured and API providers and their models over real HTTP, never their keys", async () => {
    const created = await h.call<Provider>("POST", "/api/v1/providers", {
      token: h.adminToken,
      body: {
        id: "second",
        type: "openai-compatible",
        baseURL: `${upstream.url}/v1`,
        apiKey: SECRET,
        models: ["llama3.2"],
      },
    });
    expect(created.status).toBe(201);
    const providers = await h.call<{ items: Provider[] }>("GET", "/api/v1/providers", {
      token: h.adminToken,
    });
    expect(providers.body.items.map((p) => [p.id, p.source])).toEqual([
      ["local", "config"],
      ["second", "api"],
    ]);
    const dev = await h.user("developer");
    const models = await h.call<{ items: Model[] }>("GET", "/api/v1/models", { token: dev.token });
    expect(models.body.items.map((m) => m.id)).toEqual(["local/llama3.2", "second/llama3.2"]);
    const tested = await h.call<{ ok: boolean }>("POST", "/api/v1/providers/second/test", {
      token: h.adminToken,
    });
    expect(tested.body.ok).toBe(true);
    expect(
      (await h.call("PATCH", "/api/v1/providers/local", { token: h.adminToken, body: { enabled: false } }))
        .status,
    ).toBe(409);
    expect((await h.call("GET", "/api/v1/providers", { token: dev.token })).status).toBe(403);
    const audit = await h.call<{ items: { action: string }[] }>("GET", "/api/v1/audit?limit=50", {
      token: h.adminToken,
    });
    expect(audit.body.items.map((e) => e.action)).toContain("provider.created");
    expect(JSON.stringify([created.body, providers.body, models.body, audit.body])).not.toContain(SECRET);
  });
});
