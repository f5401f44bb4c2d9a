import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AuditEntry, KnowledgeSearchResult } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { knowledgeClient } from "../knowledge/knowledge-support.ts";
import { apiKey, mcpClient, rawMcp, ready } from "./mcp-support.ts";

const PLANTS = `# Plants

## Photosynthesis

Chlorophyll in the leaves turns sunlight, water and carbon dioxide into sugar and oxygen.

## Roots

Roots take up water and minerals from the soil.
`;
const SECRET = `# Launch

The launch code of project Nightjar is kept in the red binder.
`;

const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

describe("the MCP server at /mcp", () => {
  let h: Harness;
  let key: string;
  let gardenId: string;
  let otherTeamsBaseId: string;
  let client: Client;

  beforeAll(async () => {
    h = await startHarness({ PARLEY_BODY_LIMIT_BYTES: "65536" });
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    const [botany, launch] = [await team("Botany"), await team("Launch")];
    const member = async (teamId: string) => {
      const u = await h.user("viewer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, {
        token: h.adminToken,
        body: { role: "developer" },
      });
      return u;
    };
    const dev = await member(botany);
    const garden = knowledgeClient(h, dev.token);
    gardenId = (await garden.create("Garden", botany)).id;
    expect((await garden.upload(gardenId, { "plants.md": PLANTS })).status).toBe(201);
    await ready(h, dev.token, gardenId);
    const launcher = await member(launch);
    const outsider = knowledgeClient(h, launcher.token);
    otherTeamsBaseId = (await outsider.create("Launch secrets", launch)).id;
    expect((await outsider.upload(otherTeamsBaseId, { "launch.md": SECRET })).status).toBe(201);
    await ready(h, launcher.token, otherTeamsBaseId);

    key = await apiKey(h, dev.token, ["knowledge:read"]);
    client = await mcpClient(h, key);
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await h.stop();
  });

  it("introduces itself and lists the tools every module contributes, with their schemas", async () => {
    expect(client.getServerVersion()?.name).toBe("parley");
    const { tools } = await client.listTools();
    const search = tools.find((t) => t.name === "search_knowledge");
    expect(search?.inputSchema.required).toEqual(["knowledgeBaseId", "query"]);
    expect(search?.annotations?.readOnlyHint).toBe(true);
    expect(tools.map((t) => t.name)).toContain("list_knowledge_bases");
  });

  it("lists the knowledge bases the key sees and searches one, as the REST route does", async () => {
    const listed = (await client.callTool({ name: "list_knowledge_bases", arguments: {} })) as CallToolResult;
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent).toEqual({
      knowledgeBases: [expect.objectContaining({ id: gardenId, name: "Garden", documentCount: 1 })],
      more: false,
    });

    const found = (await client.callTool({
      name: "search_knowledge",
      arguments: { knowledgeBaseId: gardenId, query: "How do leaves make sugar?" },
    })) as CallToolResult;
    expect(found.isError).toBeFalsy();
    expect(textOf(found)).toMatch(/^\[1\] plants\.md › Plants › Photosynthesis\n[^[]*Chlorophyll/);
    const structured = found.structuredContent as KnowledgeSearchResult;
    expect(structured.mode).toBe("keyword");
    expect(structured.data[0]).toMatchObject({ knowledgeBaseId: gardenId, documentName: "plants.md" });
  });

  it("answers another team's base as not found, exactly like an unknown id, and leaks nothing of it", async () => {
    const call = async (knowledgeBaseId: string) =>
      (await client.callTool({
        name: "search_knowledge",
        arguments: { knowledgeBaseId, query: "launch code" },
      })) as CallToolResult;
    const other = await call(otherTeamsBaseId);
    expect(other.isError).toBe(true);
    expect(textOf(other)).toBe(`knowledge_base.not_found: No knowledge base ${otherTeamsBaseId}`);
    expect(other.structuredContent).toEqual({
      error: { code: "knowledge_base.not_found", message: `No knowledge base ${otherTeamsBaseId}` },
    });
    expect(JSON.stringify(other)).not.toContain("binder");
    const unknown = await call("kb_unknown");
    expect(textOf(unknown)).toBe("knowledge_base.not_found: No knowledge base kb_unknown");
  });

  it("answers bad arguments and unknown tools as tool errors the model can read", async () => {
    const bad = (await client.callTool({
      name: "search_knowledge",
      arguments: { knowledgeBaseId: gardenId, query: "", limit: 500 },
    })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/Invalid arguments for tool search_knowledge/);
    const extra = (await client.callTool({
      name: "search_knowledge",
      arguments: { knowledgeBaseId: gardenId, query: "sugar", sql: "drop table" },
    })) as CallToolResult;
    expect(extra.isError).toBe(true);
    const unknown = (await client.callTool({ name: "drop_tables", arguments: {} })) as CallToolResult;
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/Tool drop_tables not found/);
  });

  it("refuses a tool whose permission the key lacks, with the stable code, and records the refusal", async () => {
    const narrow = await mcpClient(h, await apiKey(h, h.adminToken, ["profile:read"]));
    try {
      const refused = (await narrow.callTool({
        name: "search_knowledge",
        arguments: { knowledgeBaseId: gardenId, query: "sugar" },
      })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe("auth.forbidden: This needs the knowledge:read permission");
    } finally {
      await narrow.close();
    }
    const audit = await h.call<{ items: AuditEntry[] }>("GET", "/api/v1/audit?action=access.denied", {
      token: h.adminToken,
    });
    const refusal = audit.body.items.find((e) => e.target?.type === "mcp_tool");
    expect(refusal).toMatchObject({
      actor: { type: "api_key" },
      target: { type: "mcp_tool", id: "search_knowledge" },
      summary: { permission: "knowledge:read" },
    });
  });

  it("answers 401 with a JSON-RPC error and the challenge that leads to the resource metadata", async () => {
    const none = await rawMcp(h, initialize);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${h.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(none.body).toMatchObject({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, data: { code: "auth.required" } },
    });

    const wrong = await rawMcp(h, initialize, { token: "pk_nothing_like_a_key" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(wrong.body.error?.data?.code).toBe("auth.invalid_token");

    // The SDK client sees the refusal too.
    await expect(mcpClient(h, "pk_wrong")).rejects.toThrow(/401|invalid/i);
  });

  it("serves the protected-resource metadata (RFC 9728) at the resource's suffix and the root", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource",
    ]) {
      const res = await h.call<Record<string, unknown>>("GET", path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        resource: `${h.url}/mcp`,
        bearer_methods_supported: ["header"],
      });
      // No OAuth authorization server to name yet: API keys are configured by hand.
      expect(res.body).not.toHaveProperty("authorization_servers");
      expect(res.body.scopes_supported).toContain("knowledge:read");
    }
  });

  it("answers malformed requests with JSON-RPC errors, never a 500", async () => {
    const token = key;
    const cases: [string, string, Record<string, string>, number, number][] = [
      ["invalid JSON", "{not json", {}, 400, -32700],
      ["an empty body", "", {}, 400, -32700],
      ["batch garbage", "[1, 2, 3]", {}, 400, -32600],
      ["an empty batch", "[]", {}, 400, -32600],
      ["null", "null", {}, 400, -32600],
      [
        "a request without an id",
        JSON.stringify({ jsonrpc: "2.0", id: null, method: "tools/list" }),
        {},
        400,
        -32600,
      ],
      [
        "a batch past 100 messages",
        JSON.stringify(Array.from({ length: 101 }, (_, id) => ({ jsonrpc: "2.0", id, method: "ping" }))),
        {},
        400,
        -32600,
      ],
      [
        "a poisoned prototype",
        '{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{"x":1}}',
        {},
        400,
        -32700,
      ],
      ["not JSON-RPC", JSON.stringify({ hello: "world" }), {}, 400, -32600],
      ["a wrong version", JSON.stringify({ jsonrpc: "1.0", id: 1, method: "tools/list" }), {}, 400, -32600],
      ["plain text", "tools/list", { "content-type": "text/plain" }, 415, -32600],
      ["an unknown content type", "<list/>", { "content-type": "application/xml" }, 415, -32600],
      ["no event-stream in Accept", initialize, { accept: "application/json" }, 406, -32000],
      ["a body past the limit", JSON.stringify({ pad: "x".repeat(70_000) }), {}, 413, -32600],
    ];
    for (const [what, body, headers, status, code] of cases) {
      const res = await rawMcp(h, body, { token, headers });
      expect({ what, status: res.status, code: res.body.error?.code, id: res.body.id }).toEqual({
        what,
        status,
        code,
        id: null,
      });
    }
    const unknownMethod = await rawMcp(h, JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tables/drop" }), {
      token,
    });
    expect(unknownMethod.status).toBe(200);
    expect(unknownMethod.body).toMatchObject({ id: 7, error: { code: -32601 } });
    const badParams = await rawMcp(
      h,
      JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: 42 } }),
      { token },
    );
    expect(badParams.status).toBe(200);
    expect(badParams.body).toMatchObject({ id: 8, error: { code: -32602 } });
    expect(badParams.body.error?.message).toContain("params.name");
  });

  it("answers GET and DELETE with 405 and a JSON-RPC error (stateless: no stream, no session)", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await rawMcp(h, "", { token: key, method });
      expect(res.body).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 }, id: null });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(res.body).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 }, id: null });
    }
  });
});
