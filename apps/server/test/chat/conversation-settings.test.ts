import type { Conversation, ConversationWithMessages, ErrorEnvelope } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

describe("a conversation's own system prompt and parameters", () => {
  let fake: FakeUpstream;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeUpstream({ chunks: 2 });
    h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) });
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await fake.close();
  });

  it("reaches the provider with every answer, and is shown with the conversation", async () => {
    const conv = (
      await h.call<Conversation>("POST", "/api/v1/conversations", { token: h.adminToken, body: {} })
    ).body;
    expect(conv).toMatchObject({ systemPrompt: null, temperature: null, maxOutputTokens: null });
    const set = await h.call<Conversation>("PATCH", `/api/v1/conversations/${conv.id}`, {
      token: h.adminToken,
      body: { systemPrompt: "Answer in French.", temperature: 0.2, maxOutputTokens: 300 },
    });
    expect(set.body).toMatchObject({
      systemPrompt: "Answer in French.",
      temperature: 0.2,
      maxOutputTokens: 300,
    });
    const before = fake.requests.length;
    await h.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: h.adminToken,
      body: { content: "Hello" },
    });
    await expect
      .poll(async () => {
        const c = await h.call<ConversationWithMessages>("GET", `/api/v1/conversations/${conv.id}`, {
          token: h.adminToken,
        });
        return c.body.messages.at(-1)?.status;
      })
      .toBe("completed");
    const sent = fake.requests.slice(before).at(-1)?.body as {
      messages: { role: string; content: unknown }[];
      temperature?: number;
      max_tokens?: number;
    };
    expect(sent.messages[0]).toMatchObject({ role: "system", content: "Answer in French." });
    expect(sent.messages.at(-1)).toMatchObject({ role: "user" });
    expect(sent).toMatchObject({ temperature: 0.2, max_tokens: 300 });
    // Cleared: null (or an empty prompt) takes them away again.
    const cleared = await h.call<Conversation>("PATCH", `/api/v1/conversations/${conv.id}`, {
      token: h.adminToken,
      body: { systemPrompt: "  ", temperature: null, maxOutputTokens: null },
    });
    expect(cleared.body).toMatchObject({ systemPrompt: null, temperature: null, maxOutputTokens: null });
  });

  it("refuses values out of range with clear errors, changing nothing", async () => {
    const conv = (
      await h.call<Conversation>("POST", "/api/v1/conversations", { token: h.adminToken, body: {} })
    ).body;
    for (const body of [
      { temperature: 3 },
      { temperature: -1 },
      { maxOutputTokens: 0 },
      { systemPrompt: "x".repeat(20_001) },
    ]) {
      const res = await h.call<ErrorEnvelope>("PATCH", `/api/v1/conversations/${conv.id}`, {
        token: h.adminToken,
        body,
      });
      expect([res.status, res.body.error.code], JSON.stringify(body).slice(0, 40)).toEqual([
        400,
        "validation.failed",
      ]);
    }
    const now = await h.call<Conversation>("GET", `/api/v1/conversations/${conv.id}`, {
      token: h.adminToken,
    });
    expect(now.body).toMatchObject({ systemPrompt: null, temperature: null, maxOutputTokens: null });
  });
});
