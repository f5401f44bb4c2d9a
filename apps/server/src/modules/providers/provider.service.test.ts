import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromJson } from "../../db/json.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import { deriveSecrets } from "../../platform/secrets.ts";
import { openSecret } from "../../platform/sealed-secret.ts";
import { DIRECTORY_TTL_MS, sealContext } from "./provider-directory.ts";
import {
  ctxOf,
  declare,
  declareOne,
  principal,
  providersFactory,
  testSecrets,
  type ProvidersHarness,
} from "./providers-test-support.ts";
import { allTables } from "../../../test/all-tables.ts";

const KEY = "sk-very-secret-0123456789";
const configured = declare({
  id: "local",
  type: "openai-compatible",
  baseURL: "http://127.0.0.1:11434/v1",
  models: ["llama3.2", { id: "qwen", aliases: ["fast"], inputPricePerMTok: 1, outputPricePerMTok: 2 }],
});
const config = { providers: configured, ollamaUrl: "http://127.0.0.1:9", ollamaDetect: false };

describe.each(["sqlite", "postgres"] as const)("providers and models on %s", (dialect) => {
  const factory = providersFactory(dialect);
  let h: ProvidersHarness;
  beforeAll(async () => {
    h = await factory.create({ config });
  });
  afterAll(() => factory.cleanup());

  // Entries with their summaries parsed (SQLite keeps JSON as text), as one string to search.
  const auditText = async () => {
    const rows = await allTables(h.database).selectFrom("audit_log").selectAll().execute();
    return JSON.stringify(rows.map((r) => ({ ...r, summary: fromJson(r.summary) })));
  };
  const lastSummary = async (action: string) => {
    const row = await allTables(h.database)
      .selectFrom("audit_log")
      .select("summary")
      .where("action", "=", action)
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    return fromJson(row.summary);
  };

  it("stores a provider's API key sealed and never shows it", async () => {
    const created = await h.module.providers.create(
      declareOne({
        id: "openai",
        type: "openai",
        apiKey: KEY,
        models: [{ id: "gpt-4o-mini", aliases: ["mini"] }],
      }),
      ctxOf(),
    );
    expect(created).toMatchObject({
      id: "openai",
      name: "openai",
      hasApiKey: true,
      source: "api",
      editable: true,
    });
    const row = await allTables(h.database)
      .selectFrom("providers")
      .selectAll()
      .where("id", "=", "openai")
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(KEY);
    expect(openSecret(row.api_key_sealed ?? "", testSecrets.key("encryption"), sealContext("openai"))).toBe(
      KEY,
    );
    const listed = await h.module.providers.list(ctxOf());
    expect(listed.map((p) => [p.id, p.source])).toEqual([
      ["local", "config"],
      ["openai", "api"],
    ]);
    expect(JSON.stringify(listed)).not.toContain(KEY);
    expect(await auditText()).toContain("provider.created");
    expect(await auditText()).not.toContain(KEY);
    expect((await h.module.catalog.resolve("mini")).id).toBe("openai/gpt-4o-mini");
  });

  it("authorizes itself: providers and models are global, a team admin or a developer cannot touch them", async () => {
    const teamAdmin: RequestContext = {
      ...ctxOf("viewer"),
      principal: { ...principal("viewer"), teams: new Map([["t_a", "admin" as const]]) },
    };
    for (const ctx of [ctxOf("developer"), teamAdmin]) {
      const refusals = [
        h.module.providers.list(ctx),
        h.module.providers.create(declareOne({ id: "evil", type: "openai", models: [] }), ctx),
        h.module.providers.update("local", { name: "x" }, ctx),
        h.module.providers.remove("local", ctx),
        h.module.providers.test("local", ctx),
        h.module.models.update("local", "llama3.2", { enabled: false }, ctx),
      ];
      for (const refusal of refusals) await expect(refusal).rejects.toMatchObject({ code: "auth.forbidden" });
    }
    expect(await h.module.providers.list(ctxOf("operator"))).not.toHaveLength(0);
  });

  it("refuses a taken id, an alias clash and an unknown fallback", async () => {
    const again = declareOne({ id: "openai", type: "openai" });
    await expect(h.module.providers.create(again, ctxOf())).rejects.toMatchObject({
      code: "resource.conflict",
    });
    const local = declareOne({ id: "local", type: "openai" });
    await expect(h.module.providers.create(local, ctxOf())).rejects.toMatchObject({
      code: "resource.conflict",
    });
    const clash = declareOne({ id: "other", type: "openai", models: [{ id: "m", aliases: ["fast"] }] });
    await expect(h.module.providers.create(clash, ctxOf())).rejects.toMatchObject({
      code: "resource.conflict",
      details: { alias: "fast", usedBy: "local/qwen" },
    });
    const idAsAlias = declareOne({
      id: "other",
      type: "openai",
      models: [{ id: "m", aliases: ["local/qwen"] }],
    });
    await expect(h.module.providers.create(idAsAlias, ctxOf())).rejects.toMatchObject({
      code: "resource.conflict",
    });
    const badFallback = declareOne({
      id: "other",
      type: "openai",
      models: [{ id: "m", fallbacks: ["nope/x"] }],
    });
    await expect(h.module.providers.create(badFallback, ctxOf())).rejects.toMatchObject({
      code: "validation.failed",
    });
    expect((await h.module.providers.list(ctxOf())).map((p) => p.id)).toEqual(["local", "openai"]);
  });

  it("changes name, state, URL and key; audits a key change without the key", async () => {
    const disabled = await h.module.providers.update("openai", { enabled: false, name: "OpenAI" }, ctxOf());
    expect(disabled).toMatchObject({ enabled: false, name: "OpenAI" });
    await expect(h.module.catalog.resolve("mini")).rejects.toMatchObject({ code: "provider.disabled" });
    const rekeyed = await h.module.providers.update(
      "openai",
      { enabled: true, apiKey: "sk-new-key-abcdef", baseURL: "https://proxy.example.com/v1" },
      ctxOf(),
    );
    expect(rekeyed).toMatchObject({
      enabled: true,
      hasApiKey: true,
      baseURL: "https://proxy.example.com/v1",
    });
    const text = await auditText();
    expect(await lastSummary("provider.updated")).toMatchObject({ apiKeyChanged: true, apiKeySet: true });
    expect(text).not.toContain("sk-new-key-abcdef");
    const keyless = await h.module.providers.update("openai", { apiKey: null, baseURL: null }, ctxOf());
    expect(keyless).toMatchObject({ hasApiKey: false, baseURL: null });
    const row = await allTables(h.database)
      .selectFrom("providers")
      .select("api_key_sealed")
      .where("id", "=", "openai")
      .executeTakeFirstOrThrow();
    expect(row.api_key_sealed).toBeNull();
  });

  it("keeps configured providers read-only and reports unknown ones", async () => {
    await expect(h.module.providers.update("local", { enabled: false }, ctxOf())).rejects.toMatchObject({
      code: "resource.conflict",
    });
    await expect(h.module.providers.remove("local", ctxOf())).rejects.toMatchObject({
      code: "resource.conflict",
    });
    await expect(h.module.providers.update("ghost", { enabled: false }, ctxOf())).rejects.toMatchObject({
      code: "provider.not_found",
    });
    await expect(h.module.providers.remove("ghost", ctxOf())).rejects.toMatchObject({
      code: "provider.not_found",
    });
    const compat = declareOne({ id: "compat", type: "openai-compatible", baseURL: "http://127.0.0.1:1/v1" });
    await h.module.providers.create(compat, ctxOf());
    await expect(h.module.providers.update("compat", { baseURL: null }, ctxOf())).rejects.toMatchObject({
      code: "validation.failed",
    });
  });

  it("lets admins override prices, limits, aliases and availability, and reset them", async () => {
    const model = await h.module.models.update(
      "local",
      "llama3.2",
      {
        inputPricePerMTok: 0.5,
        outputPricePerMTok: 1.5,
        contextWindow: 131072,
        aliases: ["llama"],
        fallbacks: ["fast"],
      },
      ctxOf(),
    );
    expect(model).toMatchObject({
      id: "local/llama3.2",
      inputPricePerMTok: 0.5,
      outputPricePerMTok: 1.5,
      contextWindow: 131072,
      aliases: ["llama"],
      fallbacks: ["local/qwen"],
    });
    expect((await h.module.catalog.resolve("llama")).price).toEqual({
      inputPerMTok: 0.5,
      outputPerMTok: 1.5,
    });
    // An override replaces the declared price; null returns to it.
    await h.module.models.update("local", "qwen", { inputPricePerMTok: 3 }, ctxOf());
    expect((await h.module.catalog.resolve("fast")).price).toEqual({ inputPerMTok: 3, outputPerMTok: 2 });
    await h.module.models.update("local", "qwen", { inputPricePerMTok: null }, ctxOf());
    expect((await h.module.catalog.resolve("fast")).price).toEqual({ inputPerMTok: 1, outputPerMTok: 2 });

    await h.module.models.update("local", "llama3.2", { enabled: false }, ctxOf());
    await expect(h.module.catalog.resolve("llama")).rejects.toMatchObject({ code: "provider.disabled" });
    const forUsers = await h.module.models.list({ all: false }, ctxOf("developer"));
    expect(forUsers.map((m) => m.id)).not.toContain("local/llama3.2");
    const forAdmins = await h.module.models.list({ all: true }, ctxOf("admin"));
    expect(forAdmins.find((m) => m.id === "local/llama3.2")).toMatchObject({
      enabled: false,
      aliases: ["llama"],
    });
    await expect(h.module.models.list({ all: true }, ctxOf("developer"))).rejects.toMatchObject({
      code: "auth.forbidden",
    });
    await h.module.models.update("local", "llama3.2", { enabled: null }, ctxOf());
    expect((await h.module.catalog.resolve("llama")).enabled).toBe(true);
    expect(await auditText()).toContain("model.updated");
  });

  it("refuses overrides for unknown models, clashing aliases and bad fallbacks", async () => {
    await expect(h.module.models.update("ghost", "m", { enabled: false }, ctxOf())).rejects.toMatchObject({
      code: "provider.not_found",
    });
    await expect(h.module.models.update("local", "nope", { enabled: false }, ctxOf())).rejects.toMatchObject({
      code: "model.not_found",
    });
    await expect(
      h.module.models.update("local", "qwen", { aliases: ["llama"] }, ctxOf()),
    ).rejects.toMatchObject({
      code: "resource.conflict",
    });
    await expect(
      h.module.models.update("local", "qwen", { fallbacks: ["qwen"] }, ctxOf()),
    ).rejects.toMatchObject({
      code: "validation.failed",
    });
  });

  it("deletes a provider with its models' overrides", async () => {
    await h.module.providers.create(declareOne({ id: "gone", type: "openai", models: ["m"] }), ctxOf());
    await h.module.models.update("gone", "m", { inputPricePerMTok: 9 }, ctxOf());
    await h.module.providers.remove("gone", ctxOf());
    await expect(h.module.catalog.resolve("gone/m")).rejects.toMatchObject({ code: "model.not_found" });
    const left = await allTables(h.database)
      .selectFrom("model_settings")
      .selectAll()
      .where("provider_id", "=", "gone")
      .execute();
    expect(left).toEqual([]);
  });

  it("shows another pod's changes within the directory TTL", async () => {
    const other = h.otherPod();
    await expect(other.catalog.resolve("late/m")).rejects.toMatchObject({ code: "model.not_found" });
    await h.module.providers.create(declareOne({ id: "late", type: "openai", models: ["m"] }), ctxOf());
    expect((await h.module.catalog.resolve("late/m")).id).toBe("late/m");
    h.clock.advance(DIRECTORY_TTL_MS);
    expect((await other.catalog.resolve("late/m")).id).toBe("late/m");
  });

  it("never serves a list from before this pod's own write", async () => {
    h.clock.advance(DIRECTORY_TTL_MS);
    const loading = h.module.catalog.list();
    await h.module.providers.create(declareOne({ id: "race", type: "openai", models: ["m"] }), ctxOf());
    await loading;
    const model = await h.module.catalog.resolve("race/m");
    expect(h.module.catalog.languageModel(model).modelId).toBe("m");
    await h.module.providers.update("race", { enabled: false }, ctxOf());
    // A model resolved before a change still gets its SDK model; resolving again sees the change.
    expect(h.module.catalog.languageModel(model).modelId).toBe("m");
    await expect(h.module.catalog.resolve("race/m")).rejects.toMatchObject({ code: "provider.disabled" });
  });

  it("keeps serving a provider whose key no longer decrypts, logging without the key", async () => {
    const rotated = h.otherPod({ secrets: deriveSecrets("another-secret-entirely-0123456789") });
    const openai = (await rotated.providers.list(ctxOf())).find((p) => p.id === "compat");
    expect(openai).toBeDefined();
    await rotated.providers.update("compat", { apiKey: "sk-under-new-secret" }, ctxOf());
    h.clock.advance(DIRECTORY_TTL_MS);
    await h.module.providers.list(ctxOf());
    const failure = h.logger.lines.find((l) => l.level === "error");
    expect(failure?.message).toMatch(/does not decrypt/);
    expect(JSON.stringify(h.logger.lines)).not.toContain("sk-under-new-secret");
    expect((await h.module.providers.list(ctxOf())).find((p) => p.id === "compat")?.hasApiKey).toBe(true);
  });
});
