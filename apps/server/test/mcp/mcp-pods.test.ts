import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { knowledgeClient } from "../knowledge/knowledge-support.ts";
import { apiKey, mcpClient, rawMcp, ready } from "./mcp-support.ts";

const BACKUPS = "# Backups\n\nBackups run nightly with pg_dump; restore them with pg_restore.\n";

/** Calls a developer's key may make per minute on these pods (per user and per key). */
const API_PER_MINUTE = 8;

/**
 * Two pods on the real PostgreSQL, NATS and Redis: the MCP server keeps nothing between requests,
 * so one client's session spreads over both, and the per-key limit is one budget across them.
 */
describe("the MCP server across pods", () => {
  const namespace = uniqueId("mcp");
  let database: TestPostgres;
  let podA: Harness;
  let podB: Harness;

  beforeAll(async () => {
    database = await createTestPostgres();
    const limits = { apiPerMinute: 1_000_000, aiPerMinute: 1_000_000 };
    const env = {
      PARLEY_DATABASE_URL: database.url,
      PARLEY_NATS_URL: testServices.natsUrl,
      PARLEY_REDIS_URL: testServices.redisUrl,
      PARLEY_NAMESPACE: namespace,
      PARLEY_SECRET_KEY: "mcp-pods-test-secret-key-0123456789abcdef",
      PARLEY_RATE_LIMITS: JSON.stringify({
        admin: limits,
        operator: limits,
        developer: { apiPerMinute: API_PER_MINUTE, aiPerMinute: 10 },
        viewer: limits,
      }),
    };
    const dataDir = mkdtempSync(join(tmpdir(), "parley-mcp-pods-"));
    podA = await startHarness(env, { dataDir });
    podB = await startHarness(env, { dataDir });
  }, 90_000);
  afterAll(async () => {
    await podB.stop();
    await podA.stop();
    await database.drop();
    await cleanupNamespace(namespace);
  });

  it("serves one client whose requests alternate between the pods, searching a base on PostgreSQL", async () => {
    const runbooks = knowledgeClient(podA, podA.adminToken);
    const kb = (await runbooks.create("Runbooks")).id;
    expect((await runbooks.upload(kb, { "backups.md": BACKUPS })).status).toBe(201);
    await ready(podB, podA.adminToken, kb);
    const key = await apiKey(podA, podA.adminToken, ["knowledge:read"]);
    const served: string[] = [];
    let next = 0;
    const alternate = (url: string | URL, init?: RequestInit) => {
      const pod = [podA, podB][next++ % 2] ?? podA;
      served.push(pod.url);
      return fetch(new URL(new URL(url).pathname, pod.url), init);
    };
    const client = await mcpClient(podA, key, alternate);
    try {
      for (let i = 0; i < 3; i++) {
        expect((await client.listTools()).tools.map((t) => t.name)).toContain("search_knowledge");
        const found = (await client.callTool({
          name: "search_knowledge",
          arguments: { knowledgeBaseId: kb, query: "how do I restore a backup?" },
        })) as CallToolResult;
        expect(found.isError).toBeFalsy();
        expect(JSON.stringify(found.content)).toContain("pg_restore");
      }
    } finally {
      await client.close();
    }
    expect(new Set(served)).toEqual(new Set([podA.url, podB.url]));
  });

  it("counts a key's calls against one limit across the pods, and answers the excess in JSON-RPC", async () => {
    const dev = await podA.user("developer");
    const key = await apiKey(podA, dev.token, ["knowledge:read"]); // the user's first call
    const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof rawMcp>> | undefined;
    for (let i = 0; i < API_PER_MINUTE + 2 && !refused; i++) {
      const res = await rawMcp(i % 2 ? podB : podA, list, { token: key });
      statuses.push(res.status);
      if (res.status !== 200) refused = res;
    }
    expect(statuses).toEqual([...Array<number>(API_PER_MINUTE - 1).fill(200), 429]);
    expect(refused?.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused?.body).toMatchObject({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, data: { code: "rate_limit.exceeded" } },
    });
  });
});
