import { z } from "zod";
import { describe, expect, it } from "vitest";
import { mergeMcpContributions, type McpTool } from "./mcp-contribution.ts";

const tool = (name: string): McpTool => ({
  name,
  title: name,
  description: `The ${name} tool`,
  permission: "knowledge:read",
  input: z.strictObject({}),
  handler: () => Promise.resolve({ text: name }),
});

describe("mergeMcpContributions", () => {
  it("keeps every module's tools in module order", () => {
    const catalog = mergeMcpContributions([
      { tools: [tool("a"), tool("b")] },
      undefined,
      { tools: [tool("c")] },
    ]);
    expect(catalog.tools.map((t) => t.name)).toEqual(["a", "b", "c"]);
    expect(catalog).toMatchObject({ resources: [], prompts: [] });
  });

  it("refuses two tools of one name, so no module shadows another's", () => {
    expect(() => mergeMcpContributions([{ tools: [tool("search")] }, { tools: [tool("search")] }])).toThrow(
      "MCP tool names contributed twice: search",
    );
  });
});
