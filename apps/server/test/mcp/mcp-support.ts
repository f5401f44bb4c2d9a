import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Permission } from "@parley/contracts";
import { documents } from "../knowledge/knowledge-client.ts";
import type { Harness } from "../parley-harness.ts";

/**
 * The official MCP SDK client, connected over Streamable HTTP to the harness's `/mcp` with
 * `token` as its bearer credential (initialize done); `fetchVia` replaces its `fetch` (to spread
 * its requests over pods).
 * @example
 * const client = await mcpClient(h, key); await client.listTools(); await client.close();
 */
export async function mcpClient(
  h: Pick<Harness, "url">,
  token: string,
  fetchVia?: (url: string | URL, init?: RequestInit) => Promise<Response>,
): Promise<Client> {
  const client = new Client({ name: "parley-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", h.url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    ...(fetchVia ? { fetch: fetchVia } : {}),
  });
  await client.connect(transport);
  return client;
}

/** Creates an API key of the user holding `token`, with `permissions` (bound to `teamId` if given). */
export async function apiKey(
  h: Harness,
  token: string,
  permissions: Permission[],
  teamId?: string,
): Promise<string> {
  const res = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token,
    body: { name: "mcp client", permissions, ...(teamId ? { teamId } : {}) },
  });
  if (res.status !== 201) throw new Error(`creating a key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key;
}

/** A raw POST to `/mcp`, as a client that speaks the transport would send it (or not). */
export async function rawMcp(
  h: Pick<Harness, "url">,
  body: string,
  options: { token?: string; headers?: Record<string, string>; method?: string } = {},
): Promise<{ status: number; headers: Headers; body: RpcAnswer }> {
  const withBody = options.method !== "GET" && options.method !== "DELETE";
  const res = await fetch(`${h.url}/mcp`, {
    method: options.method ?? "POST",
    headers: {
      ...(withBody ? { "content-type": "application/json" } : {}),
      accept: "application/json, text/event-stream",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(withBody ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as RpcAnswer };
}

/** A JSON-RPC answer, result or error. */
export interface RpcAnswer {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
}

/** Waits (also outside a test, where `expect.poll` is not allowed) until a base's documents are ready. */
export async function ready(h: Harness, token: string, kbId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await documents(h, token, kbId)).every((d) => d.status === "ready")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the documents of ${kbId} are not ready`);
}
