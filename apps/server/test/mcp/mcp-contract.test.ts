import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/kernel/app-error.ts";
import { HIDDEN_MESSAGE } from "../../src/kernel/define-errors.ts";
import {
  defineMcpPrompt,
  type McpCatalog,
  type McpResourceTemplate,
  type McpTool,
} from "../../src/kernel/mcp-contribution.ts";
import { requirePrincipal } from "../../src/kernel/principal.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { apiKey, mcpClient } from "./mcp-support.ts";

/**
 * The contribution contract end to end, with a resource template, a prompt and a failing tool of
 * the test's own beside the modules' (as a module such as guides contributes them): what the
 * SDK client reads, and how errors reach it.
 */
const NOTES: Record<string, string> = { n1: "# First note\n\n- [ ] open task" };

const notes: McpResourceTemplate = {
  name: "note",
  uriTemplate: "note://{id}",
  title: "Note",
  description: "A note as markdown",
  mimeType: "text/markdown",
  permission: "knowledge:read",
  read: (ctx, { id }) => {
    const text = id ? NOTES[id] : undefined;
    if (text === undefined) return Promise.reject(new AppError("knowledge_base.not_found", `No note ${id}`));
    return Promise.resolve({ text: `${text}\n\n(read by ${requirePrincipal(ctx).email})` });
  },
  list: () => Promise.resolve([{ uri: "note://n1", name: "First note" }]),
};

const nextTask = defineMcpPrompt({
  name: "work_on_next_task",
  title: "Work on the next open task",
  description: "Starts on a note's next open task",
  permission: "knowledge:read",
  args: z.object({ noteId: z.string().describe("The note") }),
  handler: (_ctx, { noteId }) =>
    Promise.resolve({
      messages: [{ role: "user", text: `Read note://${noteId} and do its next task.` }],
    }),
});

const broken: McpTool = {
  name: "broken_tool",
  title: "Broken",
  description: "Fails the way a bug does",
  permission: "knowledge:read",
  input: z.strictObject({}),
  handler: () => Promise.reject(new Error("connection to db:5432 failed with password hunter2")),
};

describe("the MCP contribution contract", () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness(
      {},
      {
        mcp: (contributed): McpCatalog => ({
          tools: [...contributed.tools, broken],
          resources: [...contributed.resources, notes],
          prompts: [...contributed.prompts, nextTask],
        }),
      },
    );
    client = await mcpClient(h, await apiKey(h, h.adminToken, ["knowledge:read"]));
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await h.stop();
  });

  it("serves a module's resource template: listed, and read as markdown for the caller", async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toContainEqual(
      expect.objectContaining({ name: "note", uriTemplate: "note://{id}", mimeType: "text/markdown" }),
    );
    expect((await client.listResources()).resources).toContainEqual(
      expect.objectContaining({ uri: "note://n1", name: "First note", mimeType: "text/markdown" }),
    );
    const read = await client.readResource({ uri: "note://n1" });
    expect(read.contents).toEqual([
      {
        uri: "note://n1",
        mimeType: "text/markdown",
        text: "# First note\n\n- [ ] open task\n\n(read by admin@parley.test)",
      },
    ]);
  });

  it("answers an unknown resource with the spec's resource-not-found code and Parley's code", async () => {
    const failure = await client.readResource({ uri: "note://n9" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(McpError);
    expect(failure).toMatchObject({ code: -32002, data: { code: "knowledge_base.not_found" } });
  });

  it("serves a module's prompt with its arguments, and refuses a call without them", async () => {
    expect((await client.listPrompts()).prompts).toContainEqual(
      expect.objectContaining({
        name: "work_on_next_task",
        arguments: [expect.objectContaining({ name: "noteId", required: true })],
      }),
    );
    const prompt = await client.getPrompt({ name: "work_on_next_task", arguments: { noteId: "n1" } });
    expect(prompt.messages).toEqual([
      { role: "user", content: { type: "text", text: "Read note://n1 and do its next task." } },
    ]);
    await expect(client.getPrompt({ name: "work_on_next_task", arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it("answers a tool's bug as an internal tool error without its message", async () => {
    const result = (await client.callTool({ name: "broken_tool", arguments: {} })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: "text", text: `server.internal: ${HIDDEN_MESSAGE}` }]);
    expect(JSON.stringify(result)).not.toContain("hunter2");
  });
});
