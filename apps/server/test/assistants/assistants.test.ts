import type { Assistant, ErrorEnvelope } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestContext } from "../../src/kernel/request-context.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

let fake: FakeUpstream;
let h: Harness;
let teamId: string;

beforeAll(async () => {
  // The answer repeats the system prompt and the temperature it was sent, so the stage shows.
  fake = await startFakeUpstream({
    chunks: 2,
    textFor: (body) => {
      const b = body as { messages: { role: string; content: string }[]; temperature?: number };
      const system = b.messages.find((m) => m.role === "system")?.content ?? "none";
      return `system=${system} temperature=${String(b.temperature ?? "default")}`;
    },
  });
  h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) });
  teamId = (
    await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Docs" } })
  ).body.id;
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

async function member(role: "viewer" | "developer" | "admin") {
  const u = await h.user("viewer");
  await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
  return u;
}
async function contextOf(token: string): Promise<RequestContext> {
  const { principal } = await h.parley.modules.identity.auth.authenticate(token);
  return { requestId: null, ip: null, userAgent: "test", principal };
}

describe("assistants", () => {
  it("creates, reads, lists, changes and deletes a team assistant, auditing each change", async () => {
    const dev = await member("developer");
    const created = await h.call<Assistant>("POST", "/api/v1/assistants", {
      token: dev.token,
      body: {
        name: "Release notes",
        description: "Writes release notes",
        icon: "📝",
        instructions: "Write crisp release notes.",
        temperature: 0.2,
        maxOutputTokens: 500,
        starterPrompts: ["Summarise this PR"],
        teamId,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      slug: "release-notes",
      visibility: "team",
      teamId,
      ownerId: dev.id,
    });

    const viewer = await member("viewer");
    const list = await h.call<{ items: Assistant[] }>("GET", `/api/v1/assistants?teamId=${teamId}`, {
      token: viewer.token,
    });
    expect(list.body.items.map((a) => a.id)).toContain(created.body.id);
    // A viewer reads it but may not change it.
    const denied = await h.call<ErrorEnvelope>("PATCH", `/api/v1/assistants/${created.body.id}`, {
      token: viewer.token,
      body: { name: "Mine now" },
    });
    expect([denied.status, denied.body.error.code]).toEqual([403, "auth.forbidden"]);

    const changed = await h.call<Assistant>("PATCH", `/api/v1/assistants/${created.body.id}`, {
      token: dev.token,
      body: { temperature: null, visibility: "private" },
    });
    expect(changed.body).toMatchObject({ temperature: null, visibility: "private" });
    // Private now: the viewer no longer sees it at all.
    const hidden = await h.call<ErrorEnvelope>("GET", `/api/v1/assistants/${created.body.id}`, {
      token: viewer.token,
    });
    expect([hidden.status, hidden.body.error.code]).toEqual([404, "assistant.not_found"]);

    expect(
      (await h.call("DELETE", `/api/v1/assistants/${created.body.id}`, { token: dev.token })).status,
    ).toBe(204);
    const audit = await h.call<{ items: { action: string; target: { id: string } | null }[] }>(
      "GET",
      "/api/v1/audit?limit=50",
      { token: h.adminToken },
    );
    const actions = audit.body.items.filter((e) => e.target?.id === created.body.id).map((e) => e.action);
    expect(actions.sort()).toEqual(["assistant.created", "assistant.deleted", "assistant.updated"]);
  });

  it("lets a team admin change a member's shared assistant, but not a developer", async () => {
    const owner = await member("developer");
    const other = await member("developer");
    const admin = await member("admin");
    const shared = await h.call<Assistant>("POST", "/api/v1/assistants", {
      token: owner.token,
      body: { name: "Shared helper", teamId },
    });
    const byOther = await h.call("PATCH", `/api/v1/assistants/${shared.body.id}`, {
      token: other.token,
      body: { description: "mine" },
    });
    expect(byOther.status).toBe(403);
    const byAdmin = await h.call<Assistant>("PATCH", `/api/v1/assistants/${shared.body.id}`, {
      token: admin.token,
      body: { description: "tidied" },
    });
    expect([byAdmin.status, byAdmin.body.description]).toEqual([200, "tidied"]);
    // Anyone who sees it may copy it; the copy is theirs.
    const copy = await h.call<Assistant>("POST", `/api/v1/assistants/${shared.body.id}/duplicate`, {
      token: other.token,
      body: {},
    });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: "Shared helper (copy)", ownerId: other.id, teamId });
    expect(copy.body.slug).not.toBe(shared.body.slug);
  });

  it("gives 20 assistants created at once with one name 20 distinct slugs", async () => {
    const dev = await member("developer");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.call<Assistant>("POST", "/api/v1/assistants", {
          token: dev.token,
          body: { name: "Same name", teamId },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 201));
    expect(new Set(answers.map((a) => a.body.slug)).size).toBe(20);
  });

  it("refuses bad input with validation.failed and another team's id with team.not_found", async () => {
    const dev = await member("developer");
    for (const body of [
      {},
      { name: "" },
      { name: "x", temperature: 3 },
      { name: "x", maxOutputTokens: 0 },
      { name: "x", starterPrompts: Array.from({ length: 7 }, () => "hi") },
      { name: "x", unknown: 1 },
    ]) {
      const res = await h.call<ErrorEnvelope>("POST", "/api/v1/assistants", { token: dev.token, body });
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, "validation.failed"]);
    }
    const foreign = await h.call<ErrorEnvelope>("POST", "/api/v1/assistants", {
      token: dev.token,
      body: { name: "x", teamId: "00000000-0000-0000-0000-000000000000" },
    });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, "team.not_found"]);
  });

  it("applies its instructions and settings to an AI call made with it, on any surface", async () => {
    const dev = await member("developer");
    const made = await h.call<Assistant>("POST", "/api/v1/assistants", {
      token: dev.token,
      body: { name: "Pirate", instructions: "Talk like a pirate.", temperature: 0.7, teamId },
    });
    const ctx = await contextOf(dev.token);
    const answer = async (assistantId: string | null) => {
      const run = await h.parley.modules.ai.pipeline.streamChat(
        {
          surface: "gateway",
          teamId,
          model: "fake/fake-model",
          assistantId,
          prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
          options: {},
        },
        ctx,
      );
      let text = "";
      for await (const part of run.parts) if (part.type === "text") text += part.delta;
      return { text, stages: run.stages() };
    };
    const withIt = await answer(made.body.id);
    expect(withIt.text).toBe("system=Talk like a pirate. temperature=0.7");
    expect(withIt.stages).toContain("assistant");
    expect((await answer(null)).text).toBe("system=none temperature=default");
    // Someone who cannot see it cannot use it.
    const outsider = await h.user("developer");
    await expect(
      h.parley.modules.ai.pipeline.streamChat(
        {
          surface: "gateway",
          model: "fake/fake-model",
          assistantId: made.body.id,
          prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
          options: {},
        },
        await contextOf(outsider.token),
      ),
    ).rejects.toMatchObject({ code: "assistant.not_found" });
  });
});
