import type { LanguageModelV4Prompt, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../../../test/fake-upstream/fake-upstream.ts";
import {
  ctxOf,
  declare,
  declareOne,
  providersFactory,
  type ProvidersHarness,
} from "./providers-test-support.ts";

const prompt: LanguageModelV4Prompt = [{ role: "user", content: [{ type: "text", text: "Say hello" }] }];
const KEY = "sk-upstream-key-42";

async function readAll(
  stream: ReadableStream<LanguageModelV4StreamPart>,
): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const textOf = (parts: LanguageModelV4StreamPart[]) =>
  parts.map((p) => (p.type === "text-delta" ? p.delta : "")).join("");

describe("AI SDK models from the catalog, against a fake upstream", () => {
  const factory = providersFactory("sqlite");
  let upstream: FakeUpstream;
  let h: ProvidersHarness;
  beforeAll(async () => {
    upstream = await startFakeUpstream({
      text: "Hello from upstream",
      chunks: 4,
      apiKey: KEY,
      models: ["m1", "m2"],
    });
    const base = `${upstream.url}/v1`;
    h = await factory.create({
      config: {
        providers: declare(
          { id: "local", type: "openai-compatible", baseURL: base, apiKey: KEY, models: ["m1"] },
          { id: "oai", type: "openai", baseURL: base, apiKey: KEY, models: ["m1"] },
          { id: "ant", type: "anthropic", baseURL: base, apiKey: KEY, models: ["m2"] },
        ),
        ollamaUrl: "http://127.0.0.1:9",
        ollamaDetect: false,
      },
    });
  });
  afterAll(async () => {
    await upstream.close();
    await factory.cleanup();
  });

  it.each(["local/m1", "oai/m1", "ant/m2"])("streams text and usage from %s", async (id) => {
    upstream.resetLog();
    const model = h.module.catalog.languageModel(await h.module.catalog.resolve(id));
    const { stream } = await model.doStream({ prompt });
    const parts = await readAll(stream);
    expect(textOf(parts)).toBe("Hello from upstream");
    const finish = parts.find((p) => p.type === "finish");
    expect(finish?.type === "finish" && finish.usage.inputTokens.total).toBeGreaterThan(0);
    expect(finish?.type === "finish" && finish.usage.outputTokens.total).toBeGreaterThan(0);
  });

  it("asks OpenAI-compatible servers for usage in streams, with the provider's key", async () => {
    upstream.resetLog();
    const model = h.module.catalog.languageModel(await h.module.catalog.resolve("local/m1"));
    await readAll((await model.doStream({ prompt })).stream);
    const [request] = upstream.requests;
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.body).toMatchObject({
      model: "m1",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("embeds with OpenAI-compatible providers", async () => {
    const model = h.module.catalog.embeddingModel(await h.module.catalog.resolve("local/m1"));
    const result = await model.doEmbed({ values: ["a", "b"] });
    expect(result.embeddings).toHaveLength(2);
  });

  it("uses a stored provider's new key as soon as it changes", async () => {
    await h.module.providers.create(
      declareOne({
        id: "stored",
        type: "openai-compatible",
        baseURL: `${upstream.url}/v1`,
        apiKey: "wrong",
        models: ["m1"],
      }),
      ctxOf(),
    );
    const before = h.module.catalog.languageModel(await h.module.catalog.resolve("stored/m1"));
    await expect(before.doGenerate({ prompt })).rejects.toThrow();
    await h.module.providers.update("stored", { apiKey: KEY }, ctxOf());
    const after = h.module.catalog.languageModel(await h.module.catalog.resolve("stored/m1"));
    const result = await after.doGenerate({ prompt });
    expect(result.content).toEqual([{ type: "text", text: "Hello from upstream" }]);
  });

  it("tests a provider: its models when the key works, the upstream's refusal without the key otherwise", async () => {
    const ok = await h.module.providers.test("local", ctxOf());
    expect(ok).toMatchObject({ ok: true, models: ["m1", "m2"], error: null });
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await h.module.providers.test("ant", ctxOf())).toMatchObject({ ok: true, models: ["m1", "m2"] });
    await h.module.providers.update("stored", { apiKey: "sk-bad-key-visible?" }, ctxOf());
    const refused = await h.module.providers.test("stored", ctxOf());
    expect(refused).toMatchObject({ ok: false, models: [], error: { code: "upstream.error" } });
    expect(refused.error?.message).toMatch(/^HTTP 401/);
    expect(JSON.stringify(refused)).not.toContain("sk-bad-key-visible?");
    await h.module.providers.update("stored", { baseURL: "http://127.0.0.1:9/v1" }, ctxOf());
    expect(await h.module.providers.test("stored", ctxOf())).toMatchObject({
      ok: false,
      error: { code: "provider.unavailable" },
    });
    await expect(h.module.providers.test("ghost", ctxOf())).rejects.toMatchObject({
      code: "provider.not_found",
    });
  });
});
