import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { countTokens } from "gpt-tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { apiKey, mcpClient } from "./mcp-support.ts";

/** The budget of issue 16 and the design brief: an agent reads every tool on every turn. */
const MAX_TOOLS = 8;
const MAX_TOKENS = 3_000;

/**
 * Every tool every module contributes, as `tools/list` hands them to a client (name, title,
 * description, input and output schemas, annotations), counted with the o200k tokenizer. A module
 * that adds a tool is counted here without editing this file.
 */
describe("the MCP tool budget", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = await mcpClient(h, await apiKey(h, h.adminToken, ["profile:read"]));
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await h.stop();
  });

  it(`lists at most ${MAX_TOOLS} tools whose names, descriptions and schemas stay under ${MAX_TOKENS} tokens`, async () => {
    const { tools } = await client.listTools();
    const tokens = Object.fromEntries(tools.map((t) => [t.name, countTokens(JSON.stringify(t))]));
    const total = Object.values(tokens).reduce((a, b) => a + b, 0);
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.length).toBeLessThanOrEqual(MAX_TOOLS);
    expect(total, JSON.stringify(tokens)).toBeLessThan(MAX_TOKENS);
    // Every tool says what it does and describes its arguments for the model.
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(20);
      expect(tool.name).toMatch(/^[a-z][a-z0-9_]{2,40}$/);
    }
  });
});
