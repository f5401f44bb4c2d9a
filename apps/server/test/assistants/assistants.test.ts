import type { Assistant, Conversation, ErrorEnvelope, UsageReport } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestContext } from "../../src/kernel/request-context.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { openSse } from "../chat/sse-client.ts";

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

describe("assistants on the OpenAI-compatible API and in chat", () => {
  it("lists assistants as assistant/<slug> models and answers through them with the official SDK", async () => {
    const dev = await member("developer");
    const made = await h.call<Assistant>("POST", "/api/v1/assistants", {
      token: dev.token,
      body: { name: "SDK helper", instructions: "Answer in haiku.", teamId },
    });
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "sdk", permissions: ["ai:use", "assistants:read"], teamId },
    });
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
    const model = `assistant/${made.body.slug}`;
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toContain(model);
    expect(ids).toContain("fake/fake-model");

    const whole = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(whole.model).toBe(model);
    expect(whole.choices[0]?.message.content).toBe("system=Answer in haiku. temperature=default");
    let streamed = "";
    const stream = await client.chat.completions.create({
      model,
      stream: true,
      temperature: 0.5,
      messages: [{ role: "user", content: "hi" }],
    });
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    // The request's own temperature wins over the assistant's default.
    expect(streamed).toBe("system=Answer in haiku. temperature=0.5");

    // Usage rows carry the assistant.
    const usage = await h.call<UsageReport>("GET", `/api/v1/usage?groupBy=assistant&teamId=${teamId}`, {
      token: h.adminToken,
    });
    expect(usage.body.rows.find((r) => r.key === made.body.id)?.requests).toBe(2);

    // An unknown or invisible assistant is an OpenAI-shaped 404.
    const other = await h.user("developer");
    const otherKey = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: other.token,
      body: { name: "sdk", permissions: ["ai:use", "assistants:read"] },
    });
    const outsider = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: otherKey.body.key, maxRetries: 0 });
    expect((await outsider.models.list()).data.map((m) => m.id)).not.toContain(model);
    await expect(
      outsider.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("holds a conversation with an assistant, and goes on without it once it is deleted", async () => {
    const dev = await member("developer");
    const made = await h.call<Assistant>("POST", "/api/v1/assistants", {
      token: dev.token,
      body: { name: "Chat helper", instructions: "Be terse.", temperature: 0.1, teamId },
    });
    const conversation = await h.call<Conversation>("POST", "/api/v1/conversations", {
      token: dev.token,
      body: { assistantId: made.body.id },
    });
    expect(conversation.status).toBe(201);
    expect(conversation.body).toMatchObject({ assistantId: made.body.id, teamId });
    const answer = async () => {
      const sse = await openSse(`${h.url}/api/v1/conversations/${conversation.body.id}/events`, {
        authorization: `Bearer ${dev.token}`,
      });
      const sent = await h.call<{ assistantMessage: { id: string } }>(
        "POST",
        `/api/v1/conversations/${conversation.body.id}/messages`,
        { token: dev.token, body: { content: "hi" } },
      );
      expect(sent.status).toBe(202);
      const id = sent.body.assistantMessage.id;
      await sse.until((events) =>
        events.some(
          (e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === id,
        ),
      );
      sse.close();
      const view = await h.call<{ messages: { id: string; content: string }[] }>(
        "GET",
        `/api/v1/conversations/${conversation.body.id}`,
        { token: dev.token },
      );
      return view.body.messages.find((m) => m.id === id)?.content;
    };
    expect(await answer()).toBe("system=Be terse. temperature=0.1");

    await h.call("DELETE", `/api/v1/assistants/${made.body.id}`, { token: dev.token });
    const after = await h.call<Conversation>("GET", `/api/v1/conversations/${conversation.body.id}`, {
      token: dev.token,
    });
    expect(after.body.assistantId).toBeNull();
    expect(await answer()).toBe("system=none temperature=default");
  });

  it("refuses a conversation in another team than its assistant's", async () => {
    const dev = await h.user("developer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${dev.id}`, {
      token: h.adminToken,
      body: { role: "developer" },
    });
    const personal = await h.call<Assistant>("POST", "/api/v1/assistants", {
      token: dev.token,
      body: { name: "Mine" },
    });
    expect(personal.body).toMatchObject({ teamId: null, visibility: "private" });
    const res = await h.call<ErrorEnvelope>("POST", "/api/v1/conversations", {
      token: dev.token,
      body: { assistantId: personal.body.id, teamId },
    });
    expect([res.status, res.body.error.code]).toEqual([400, "validation.failed"]);
  });
});
