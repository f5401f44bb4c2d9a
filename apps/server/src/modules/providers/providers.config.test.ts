import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "../../config/config.ts";

const EXAMPLE =
  '[{"id":"local","type":"openai-compatible","baseURL":"http://127.0.0.1:11434/v1","apiKey":"sk-cfg-secret","models":["llama3.2"]}]';

describe("provider settings", () => {
  it("reads PARLEY_PROVIDERS as a JSON array, with defaults", () => {
    const config = loadConfig({ env: { PARLEY_PROVIDERS: EXAMPLE } });
    expect(config.providers).toEqual([
      {
        id: "local",
        type: "openai-compatible",
        baseURL: "http://127.0.0.1:11434/v1",
        apiKey: "sk-cfg-secret",
        enabled: true,
        models: ["llama3.2"],
      },
    ]);
    expect(config.ollamaUrl).toBe("http://127.0.0.1:11434");
    expect(config.ollamaDetect).toBe(true);
  });

  it("reads the Ollama settings", () => {
    const config = loadConfig({
      env: { PARLEY_OLLAMA_URL: "http://gpu-box:11434", PARLEY_OLLAMA_DETECT: "false" },
    });
    expect([config.ollamaUrl, config.ollamaDetect]).toEqual(["http://gpu-box:11434", false]);
  });

  it("names the variable and the problem for a bad provider", () => {
    const bad = (value: string) => () => loadConfig({ env: { PARLEY_PROVIDERS: value } });
    expect(bad('[{"id":"x","type":"cohere"}]')).toThrow(ConfigError);
    expect(bad('[{"id":"x","type":"cohere"}]')).toThrow(/PARLEY_PROVIDERS \(providers\)/);
    expect(bad('[{"id":"x","type":"openai-compatible"}]')).toThrow(/required for type openai-compatible/);
    expect(bad("not json")).toThrow(/must be a JSON array like/);
  });

  it("masks provider API keys when the configuration is printed", () => {
    const config = loadConfig({ env: { PARLEY_PROVIDERS: EXAMPLE } });
    expect(JSON.stringify(redactConfig(config))).not.toContain("sk-cfg-secret");
  });
});
