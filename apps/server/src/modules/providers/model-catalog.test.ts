import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../kernel/app-error.ts";
import { ConfigError } from "../../config/config.ts";
import { declare, providersFactory, type ProvidersHarness } from "./providers-test-support.ts";

const factory = providersFactory("sqlite");
afterAll(() => factory.cleanup());

const configured = declare(
  {
    id: "local",
    type: "openai-compatible",
    baseURL: "http://127.0.0.1:11434/v1",
    apiKey: "sk-local-secret",
    models: [
      "llama3.2",
      {
        id: "qwen2.5:7b",
        aliases: ["fast", "qwen"],
        contextWindow: 32768,
        maxOutputTokens: 4096,
        inputPricePerMTok: 0.1,
        outputPricePerMTok: 0.3,
        fallbacks: ["local/llama3.2", "nowhere/model", "qwen"],
      },
    ],
  },
  {
    id: "claude",
    type: "anthropic",
    apiKey: "sk-ant-x",
    models: [{ id: "claude-sonnet-4-5", aliases: ["smart"] }],
  },
  { id: "off", type: "openai", enabled: false, models: ["gpt-4o-mini"] },
);

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
  return "no error";
};

describe("model catalog from configuration", () => {
  let h: ProvidersHarness;
  beforeAll(async () => {
    h = await factory.create({
      config: { providers: configured, ollamaUrl: "http://127.0.0.1:9", ollamaDetect: false },
    });
  });

  it("lists every model as provider/model, sorted, enabled or not", async () => {
    const models = await h.module.catalog.list();
    expect(models.map((m) => [m.id, m.enabled])).toEqual([
      ["claude/claude-sonnet-4-5", true],
      ["local/llama3.2", true],
      ["local/qwen2.5:7b", true],
      ["off/gpt-4o-mini", false],
    ]);
    const llama = models.find((m) => m.id === "local/llama3.2");
    expect(llama).toMatchObject({
      providerId: "local",
      providerType: "openai-compatible",
      upstreamModel: "llama3.2",
      aliases: [],
      contextWindow: null,
      price: null,
      fallbacks: [],
    });
  });

  it("resolves ids and aliases, with limits, prices and fallbacks as ids", async () => {
    const byAlias = await h.module.catalog.resolve("fast");
    expect(byAlias).toEqual({
      id: "local/qwen2.5:7b",
      providerId: "local",
      providerType: "openai-compatible",
      upstreamModel: "qwen2.5:7b",
      aliases: ["fast", "qwen"],
      contextWindow: 32768,
      maxOutputTokens: 4096,
      price: { inputPerMTok: 0.1, outputPerMTok: 0.3 },
      // The unknown fallback and the model itself (via its alias) are dropped.
      fallbacks: ["local/llama3.2"],
      enabled: true,
      imageInput: false,
    });
    expect(await h.module.catalog.resolve("local/llama3.2")).toMatchObject({ upstreamModel: "llama3.2" });
    expect((await h.module.catalog.resolve("smart")).id).toBe("claude/claude-sonnet-4-5");
  });

  it("refuses unknown models with model.not_found and disabled ones with provider.disabled", async () => {
    await expect(h.module.catalog.resolve("local/nope")).rejects.toMatchObject({ code: "model.not_found" });
    await expect(h.module.catalog.resolve("llama3.2")).rejects.toMatchObject({ code: "model.not_found" });
    await expect(h.module.catalog.resolve("off/gpt-4o-mini")).rejects.toMatchObject({
      code: "provider.disabled",
    });
  });

  it("gives AI SDK models named after the provider, and no embeddings for Anthropic", async () => {
    const qwen = await h.module.catalog.resolve("qwen");
    const lm = h.module.catalog.languageModel(qwen);
    expect([lm.specificationVersion, lm.provider, lm.modelId]).toEqual(["v4", "local.chat", "qwen2.5:7b"]);
    expect(h.module.catalog.embeddingModel(qwen).modelId).toBe("qwen2.5:7b");
    const claude = await h.module.catalog.resolve("smart");
    expect(h.module.catalog.languageModel(claude).modelId).toBe("claude-sonnet-4-5");
    expect(code(() => h.module.catalog.embeddingModel(claude))).toBe("model.not_found");
  });

  it("hands out frozen models, so no caller changes another's view", async () => {
    const [first] = await h.module.catalog.list();
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.aliases)).toBe(true);
  });

  it("refuses configurations that repeat a provider id or an alias", async () => {
    const twice = declare({ id: "a", type: "openai", models: ["m"] }, { id: "a", type: "anthropic" });
    await expect(
      factory.create({ config: { providers: twice, ollamaUrl: "http://127.0.0.1:9", ollamaDetect: false } }),
    ).rejects.toThrow(ConfigError);
    const clash = declare(
      { id: "a", type: "openai", models: [{ id: "m", aliases: ["x"] }] },
      { id: "b", type: "openai", models: [{ id: "n", aliases: ["x"] }] },
    );
    await expect(
      factory.create({ config: { providers: clash, ollamaUrl: "http://127.0.0.1:9", ollamaDetect: false } }),
    ).rejects.toThrow(/alias x of b\/n is already used by a\/m/);
  });
});
