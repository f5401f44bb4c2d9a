import type { Assistant, ErrorEnvelope, KnowledgeSearchResult } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openSse } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { knowledgeClient } from "../knowledge/knowledge-support.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { clearRules, completeGateway } from "./governance-support.ts";

// Every surface calls the same pipeline, so the same rule stops the same text on each of them.
let fake: FakeUpstream;
let h: Harness;
let team: string;
let dev: { id: string; token: string };
let operator: { id: string; token: string };
let assistant: Assistant;
let client: OpenAI;

const keywordRule = (scope: Record<string, unknown> = {}) => ({
  name: "Codename stays in",
  tier: "before",
  scope,
  condition: { detectors: [{ type: "keywords", words: ["falcon"] }] },
  action: "block",
});

beforeAll(async () => {
  fake = await startFakeUpstream({ text: "Sure.", chunks: 2 });
  const limits = { apiPerMinute: 100000, aiPerMinute: 100000 };
  h = await startHarness({
    PARLEY_PROVIDERS: JSON.stringify([
      {
        id: "fake",
        name: "Fake",
        type: "openai-compatible",
        baseURL: `${fake.url}/v1`,
        models: ["fake-model@dims=64"],
      },
    ]),
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: limits,
      operator: limits,
      developer: limits,
      viewer: limits,
    }),
  });
  team = (
    await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Birds" } })
  ).body.id;
  const member = async (role: string) => {
    const user = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${team}/members/${user.id}`, { token: h.adminToken, body: { role } });
    return user;
  };
  dev = await member("developer");
  operator = await member("operator");
  assistant = (
    await h.call<Assistant>("POST", "/api/v1/assistants", {
      token: dev.token,
      body: {
        name: "Launch helper",
        instructions: "Be brief.",
        teamId: team,
        model: "fake/fake-model@dims=64",
      },
    })
  ).body;
  const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token: dev.token,
    body: { name: "sdk", permissions: ["ai:use", "assistants:read"], teamId: team },
  });
  client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await h.stop();
  await fake.close();
});
beforeEach(async () => {
  await clearRules(h);
  const teamRules = await h.call<{ items: { id: string }[] }>(
    "GET",
    `/api/v1/governance/rules?teamId=${team}`,
    {
      token: operator.token,
    },
  );
  for (const rule of teamRules.body.items)
    await h.call("DELETE", `/api/v1/governance/rules/${rule.id}`, { token: operator.token });
});

async function addRule(spec: Record<string, unknown>) {
  const res = await h.call("POST", "/api/v1/governance/rules", {
    token: operator.token,
    body: { teamId: team, spec },
  });
  expect(res.status).toBe(201);
}

/** A chat answer in a team conversation held with `assistantId` (or none): its failure code, if any. */
async function chatWith(assistantId: string | null, content: string): Promise<string | null> {
  const conversation = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token: dev.token,
    body: { teamId: team, ...(assistantId ? { assistantId } : { model: "fake/fake-model@dims=64" }) },
  });
  const sse = await openSse(`${h.url}/api/v1/conversations/${conversation.body.id}/events`, {
    authorization: `Bearer ${dev.token}`,
  });
  const sent = await h.call<{ assistantMessage: { id: string } }>(
    "POST",
    `/api/v1/conversations/${conversation.body.id}/messages`,
    { token: dev.token, body: { content } },
  );
  const id = sent.body.assistantMessage.id;
  const events = await sse.until((all) =>
    all.some(
      (e) =>
        ["message.completed", "message.failed"].includes(e.event) &&
        (e.data as { messageId: string }).messageId === id,
    ),
  );
  sse.close();
  const failed = events.find((e) => e.event === "message.failed");
  return failed ? (failed.data as { error: { code: string } }).error.code : null;
}

describe("every surface passes the same rules", () => {
  it("stops a team rule's text in chat, in chat with an assistant, on /v1 and on /v1 as an assistant", async () => {
    await addRule(keywordRule());
    expect(await chatWith(null, "When does Falcon launch?")).toBe("governance.blocked");
    expect(await chatWith(assistant.id, "When does Falcon launch?")).toBe("governance.blocked");
    const plain = await completeGateway(client, {
      model: "fake/fake-model@dims=64",
      messages: [{ role: "user", content: "falcon?" }],
    });
    expect(plain.error).toMatchObject({ status: 403, code: "governance.blocked" });
    const asAssistant = await completeGateway(client, {
      model: `assistant/${assistant.slug}`,
      messages: [{ role: "user", content: "falcon?" }],
    });
    expect(asAssistant.error).toMatchObject({ status: 403, code: "governance.blocked" });
    // And text without the word passes everywhere.
    expect(await chatWith(assistant.id, "When do we launch?")).toBeNull();
  });

  it("applies an assistant-scoped rule to that assistant's calls only", async () => {
    await addRule(keywordRule({ assistantId: assistant.id }));
    expect(await chatWith(assistant.id, "falcon")).toBe("governance.blocked");
    expect(await chatWith(null, "falcon")).toBeNull();
    const asAssistant = await completeGateway(client, {
      model: `assistant/${assistant.slug}`,
      messages: [{ role: "user", content: "falcon?" }],
    });
    expect(asAssistant.error).toMatchObject({ code: "governance.blocked" });
  });

  it("checks a knowledge search's query before it is embedded", async () => {
    await addRule(keywordRule({ surfaces: ["knowledge"] }));
    const kb = knowledgeClient(h, dev.token);
    const base = await kb.create("Launch notes", team, { embeddingModel: "fake/fake-model@dims=64" });
    const blocked = await h.call<KnowledgeSearchResult | ErrorEnvelope>(
      "POST",
      `/api/v1/knowledge-bases/${base.id}/search`,
      { token: dev.token, body: { query: "falcon launch date", mode: "vector" } },
    );
    expect([blocked.status, (blocked.body as ErrorEnvelope).error.code]).toEqual([403, "governance.blocked"]);
    const fine = await h.call("POST", `/api/v1/knowledge-bases/${base.id}/search`, {
      token: dev.token,
      body: { query: "launch date", mode: "vector" },
    });
    expect(fine.status).toBe(200);
    // A knowledge-only rule leaves chat alone.
    expect(await chatWith(null, "falcon")).toBeNull();
  });
});
