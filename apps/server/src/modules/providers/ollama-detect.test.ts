import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctxOf, declare, declareOne, providersFactory } from "./providers-test-support.ts";

/** Ollama is outside the project: a stand-in that answers `/api/tags` like it does. */
function fakeOllama(models: string[]): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    if (req.url === "/api/tags") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ models: models.map((name) => ({ name, model: name, size: 1, details: {} })) }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, server, hits: () => hits });
    });
  });
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });

describe("Ollama detection", () => {
  const factory = providersFactory("sqlite");
  let ollama: Awaited<ReturnType<typeof fakeOllama>>;
  beforeAll(async () => {
    ollama = await fakeOllama(["qwen2.5:7b", "llama3.2:latest"]);
  });
  afterAll(async () => {
    await close(ollama.server);
    await factory.cleanup();
  });

  it("offers a local Ollama as provider ollama with the models it has", async () => {
    const h = await factory.create({
      config: { providers: [], ollamaUrl: `${ollama.url}/`, ollamaDetect: true },
    });
    await h.module.detectOllama();
    const [provider] = await h.module.providers.list(ctxOf());
    expect(provider).toMatchObject({
      id: "ollama",
      type: "openai-compatible",
      baseURL: `${ollama.url}/v1`,
      source: "detected",
      editable: false,
      hasApiKey: false,
      models: ["llama3.2:latest", "qwen2.5:7b"],
    });
    expect((await h.module.catalog.resolve("ollama/qwen2.5:7b")).providerType).toBe("openai-compatible");
    await expect(h.module.providers.update("ollama", { enabled: false }, ctxOf())).rejects.toMatchObject({
      code: "resource.conflict",
    });
    // Admins may still price or disable its models.
    await h.module.models.update("ollama", "qwen2.5:7b", { enabled: false }, ctxOf());
    await expect(h.module.catalog.resolve("ollama/qwen2.5:7b")).rejects.toMatchObject({
      code: "provider.disabled",
    });
  });

  it("stays silent when nothing answers, and withdraws an Ollama that went away", async () => {
    const gone = await fakeOllama(["m"]);
    const h = await factory.create({ config: { providers: [], ollamaUrl: gone.url, ollamaDetect: true } });
    await h.module.detectOllama();
    expect((await h.module.providers.list(ctxOf())).map((p) => p.id)).toEqual(["ollama"]);
    await close(gone.server);
    await h.module.detectOllama();
    expect(await h.module.providers.list(ctxOf())).toEqual([]);
    expect(h.logger.lines.filter((l) => l.level !== "debug" && l.level !== "info")).toEqual([]);
    expect(h.logger.lines.at(-1)).toMatchObject({ level: "debug", message: "no Ollama detected" });
  });

  it("gives up after the timeout on a server that never answers", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const h = await factory.create({
      config: { providers: [], ollamaUrl: url, ollamaDetect: true },
      ollamaTimeoutMs: 100,
    });
    const t0 = performance.now();
    await h.module.detectOllama();
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await h.module.providers.list(ctxOf())).toEqual([]);
    silent.closeAllConnections();
    await close(silent);
  });

  it("does not probe when a provider already points there, or when detection is off", async () => {
    const before = ollama.hits();
    const configured = declare({
      id: "mine",
      type: "openai-compatible",
      baseURL: `${ollama.url.replace("127.0.0.1", "localhost")}/v1`,
      models: ["qwen2.5:7b"],
    });
    const taken = await factory.create({
      config: { providers: configured, ollamaUrl: ollama.url, ollamaDetect: true },
    });
    await taken.module.detectOllama();
    expect((await taken.module.providers.list(ctxOf())).map((p) => p.id)).toEqual(["mine"]);
    const off = await factory.create({
      config: { providers: [], ollamaUrl: ollama.url, ollamaDetect: false },
    });
    await off.module.detectOllama();
    expect(await off.module.providers.list(ctxOf())).toEqual([]);
    expect(ollama.hits()).toBe(before);
  });

  it("steps aside for a provider created through the API with the same URL", async () => {
    const h = await factory.create({ config: { providers: [], ollamaUrl: ollama.url, ollamaDetect: true } });
    await h.module.detectOllama();
    await h.module.providers.create(
      declareOne({
        id: "ollama",
        type: "openai-compatible",
        baseURL: `${ollama.url}/v1`,
        models: ["qwen2.5:7b"],
      }),
      ctxOf(),
    );
    const listed = await h.module.providers.list(ctxOf());
    expect(listed.map((p) => [p.id, p.source])).toEqual([["ollama", "api"]]);
  });
});
