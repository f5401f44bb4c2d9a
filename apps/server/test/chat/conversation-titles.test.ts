import type { Conversation, ConversationWithMessages, CreatedConversation } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { openSse } from "./sse-client.ts";

/** Whether a request to the fake upstream is the title model being asked for a title. */
const asksForTitle = (body: unknown) =>
  (body as { messages: { role: string; content: unknown }[] }).messages.some(
    (m) => m.role === "system" && String(m.content).startsWith("You name conversations"),
  );

describe("conversations named by the title model", () => {
  let fake: FakeUpstream;
  let h: Harness;
  beforeAll(async () => {
    fake = await startFakeUpstream({
      chunks: 3,
      textFor: (body) => (asksForTitle(body) ? "“Rotating API keys safely.”" : "Rotate them monthly."),
    });
    h = await startHarness({
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      PARLEY_TITLE_MODEL: "fake/fake-model",
    });
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await fake.close();
  });

  const conversation = async (id: string) =>
    (await h.call<ConversationWithMessages>("GET", `/api/v1/conversations/${id}`, { token: h.adminToken }))
      .body;

  it("names a conversation after its first answer, cleaned, and tells its listeners", async () => {
    // Listening before the first message is sent, as an open tab does.
    const created = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: {},
    });
    const events = await openSse(`${h.url}/api/v1/conversations/${created.body.id}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    await h.call("POST", `/api/v1/conversations/${created.body.id}/messages`, {
      token: h.adminToken,
      body: { content: "how do i rotate keys" },
    });
    const seen = await events.until((all) => all.some((e) => e.event === "conversation.titled"));
    events.close();
    expect(seen.find((e) => e.event === "conversation.titled")?.data).toMatchObject({
      title: "Rotating API keys safely",
    });
    expect((await conversation(created.body.id)).title).toBe("Rotating API keys safely");
    // The title request went through the pipeline with the question and the answer.
    const asked = fake.requests.filter((r) => asksForTitle(r.body)).at(-1)?.body as {
      messages: { content: unknown }[];
      max_tokens?: number;
    };
    expect(JSON.stringify(asked.messages)).toContain("how do i rotate keys");
    expect(JSON.stringify(asked.messages)).toContain("Rotate them monthly.");
    // Only the first answer names it: a second one leaves the title alone.
    const before = fake.requests.filter((r) => asksForTitle(r.body)).length;
    await h.call("POST", `/api/v1/conversations/${created.body.id}/messages`, {
      token: h.adminToken,
      body: { content: "and tokens?" },
    });
    await expect
      .poll(async () => (await conversation(created.body.id)).messages.at(-1)?.status)
      .toBe("completed");
    expect(fake.requests.filter((r) => asksForTitle(r.body)).length).toBe(before);
  });

  it("keeps a title someone gave, at creation or while the first answer streamed", async () => {
    const given = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: { title: "Key rotation runbook", message: { content: "how do i rotate keys" } },
    });
    fake.configure({ chunkDelayMs: 100 });
    const renamed = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: { message: { content: "what about certificates" } },
    });
    await h.call<Conversation>("PATCH", `/api/v1/conversations/${renamed.body.id}`, {
      token: h.adminToken,
      body: { title: "Certificates" },
    });
    fake.configure({ chunkDelayMs: 0 });
    for (const [id, title] of [
      [given.body.id, "Key rotation runbook"],
      [renamed.body.id, "Certificates"],
    ] as const) {
      await expect.poll(async () => (await conversation(id)).messages.at(-1)?.status).toBe("completed");
      expect((await conversation(id)).title).toBe(title);
    }
  });
});
