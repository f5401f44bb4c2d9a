import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AuditPage, Guide, GuideDraft } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { apiKey, mcpClient } from "./mcp-support.ts";

const textOf = (result: CallToolResult) =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;

const DRAFT: GuideDraft = {
  title: "Rate limiting",
  description: "Limit requests per key.",
  sections: [
    {
      heading: "Server",
      tasks: [
        { text: "Count requests per key", estimateMinutes: 60, lowMinutes: 30, highMinutes: 90 },
        { text: "Answer 429 with Retry-After", estimateMinutes: 30, lowMinutes: 20, highMinutes: 45 },
      ],
    },
  ],
};

describe("guides over MCP", () => {
  let fake: FakeUpstream;
  let h: Harness;
  let client: Client;
  let readOnly: Client;
  let team: string;
  let otherGuide: string;

  beforeAll(async () => {
    fake = await startFakeUpstream({ reply: "plain", text: JSON.stringify(DRAFT) });
    h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) });
    const newTeam = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    team = await newTeam("Platform");
    const other = await newTeam("Elsewhere");
    const member = async (teamId: string, role: "developer") => {
      const u = await h.user("viewer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
      return u;
    };
    const dev = await member(team, "developer");
    const stranger = await member(other, "developer");
    otherGuide = (
      await h.call<Guide>("POST", "/api/v1/guides", {
        token: stranger.token,
        body: { teamId: other, title: "Secret plan", content: "- [ ] the hidden step" },
      })
    ).body.id;
    client = await mcpClient(h, await apiKey(h, dev.token, ["guides:read", "guides:write", "ai:use"], team));
    // A key that may only read: writing is refused before the use case runs.
    readOnly = await mcpClient(h, await apiKey(h, dev.token, ["guides:read"]));
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await readOnly.close();
    await h.stop();
    await fake.close();
  });

  it("offers a lean tool set: guides and knowledge together, at most 8 tools", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "create_guide",
      "estimate_tasks",
      "get_guide",
      "list_knowledge_bases",
      "search_guides",
      "search_knowledge",
      "update_task",
    ]);
    expect(tools.find((t) => t.name === "update_task")?.inputSchema.required).toEqual([
      "guideId",
      "taskId",
      "status",
    ]);
  });

  it("creates a guide from a template, finds it, reads it and works through its tasks like the REST API", async () => {
    const created = await call(client, "create_guide", {
      teamId: team,
      templateId: "builtin:bugfix",
      variables: { bug: "Totals off by a cent" },
    });
    expect(created.isError).toBeFalsy();
    const guide = (created.structuredContent as { guide: Guide }).guide;
    expect(guide.title).toBe("Fix: Totals off by a cent");
    expect(textOf(created)).toContain(`task ${guide.tasks[0]?.id}`);

    const found = await call(client, "search_guides", { query: "cent" });
    expect(textOf(found)).toContain(guide.id);
    const read = await call(client, "get_guide", { guideId: guide.id });
    expect(textOf(read)).toContain("## Fix: Totals off by a cent › Reproduce");

    const first = guide.tasks[0];
    if (!first) throw new Error("no task");
    expect(
      (await call(client, "update_task", { guideId: guide.id, taskId: first.id, status: "in_progress" }))
        .isError,
    ).toBeFalsy();
    const done = await call(client, "update_task", { guideId: guide.id, taskId: first.id, status: "done" });
    expect(done.structuredContent).toMatchObject({
      task: { id: first.id, status: "done" },
      status: "in_progress",
    });
    // The same use case as the REST route: the markdown changed, the change was audited.
    const rest = await h.call<Guide>("GET", `/api/v1/guides/${guide.id}`, { token: h.adminToken });
    expect(rest.body.content).toContain("- [x] Reproduce the bug with the smallest steps");
    expect(rest.body.tasks[0]).toMatchObject({ id: first.id, status: "done" });
    const audit = await h.call<AuditPage>("GET", "/api/v1/audit?action=guide.task_updated&limit=10", {
      token: h.adminToken,
    });
    expect(audit.body.items.some((e) => e.target?.id === guide.id && e.actor.type === "api_key")).toBe(true);

    // The guide as a resource, and the prompt that picks its next open task.
    const resource = await client.readResource({ uri: `guide://${guide.id}` });
    const markdown = resource.contents[0] as { text: string; mimeType: string };
    expect(markdown.mimeType).toBe("text/markdown");
    expect(markdown.text).toContain("- [x] Reproduce the bug with the smallest steps");
    const listed = await client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`guide://${guide.id}`);
    const prompt = await client.getPrompt({ name: "next_task", arguments: { guideId: guide.id } });
    const message = prompt.messages[0]?.content as { text: string };
    expect(message.text).toContain("Write a failing test that shows it");
    expect(message.text).toContain(`taskId ${guide.tasks[1]?.id}`);
  });

  it("drafts a guide with the AI and estimates tasks, through the governed pipeline", async () => {
    const drafted = await call(client, "create_guide", { teamId: team, draftFrom: "Add rate limiting" });
    expect(drafted.isError).toBeFalsy();
    const guide = (drafted.structuredContent as { guide: Guide }).guide;
    expect(guide.tasks.map((t) => [t.text, t.estimate?.minutes])).toEqual([
      ["Count requests per key", 60],
      ["Answer 429 with Retry-After", 30],
    ]);
    const plain = await call(client, "create_guide", {
      teamId: team,
      title: "Unestimated",
      content: "- [ ] one\n- [ ] two",
    });
    const id = (plain.structuredContent as { guide: Guide }).guide.id;
    fake.configure({
      text: JSON.stringify({
        estimates: [
          { task: 1, minutes: 15, low: 10, high: 20 },
          { task: 2, minutes: 25, low: 20, high: 40 },
        ],
      }),
    });
    const estimated = await call(client, "estimate_tasks", { guideId: id });
    expect(estimated.isError).toBeFalsy();
    expect(
      (estimated.structuredContent as { guide: Guide }).guide.tasks.map((t) => t.estimate?.minutes),
    ).toEqual([15, 25]);
    fake.configure({ text: JSON.stringify(DRAFT) });
  });

  it("answers errors as tool errors with stable codes: another team's guide, a missing permission, bad arguments", async () => {
    const hidden = await call(client, "get_guide", { guideId: otherGuide });
    expect(hidden.isError).toBe(true);
    expect(textOf(hidden)).toMatch(/^guide\.not_found/);
    expect(textOf(hidden)).not.toContain("hidden step");
    const forbidden = await call(readOnly, "update_task", {
      guideId: otherGuide,
      taskId: "x",
      status: "done",
    });
    expect(forbidden.isError).toBe(true);
    expect(textOf(forbidden)).toMatch(/auth\.forbidden/);
    const bad = await call(client, "update_task", { guideId: "g", taskId: "t", status: "finished" });
    expect(bad.isError).toBe(true);
    const missingTask = (await call(client, "create_guide", { teamId: team, title: "T", content: "- [ ] a" }))
      .structuredContent as {
      guide: Guide;
    };
    const gone = await call(client, "update_task", {
      guideId: missingTask.guide.id,
      taskId: "no-such-task",
      status: "done",
    });
    expect(textOf(gone)).toMatch(/^guide\.task_not_found/);
    await expect(client.readResource({ uri: `guide://${otherGuide}` })).rejects.toMatchObject({
      code: -32002,
    });
  });
});
