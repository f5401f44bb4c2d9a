import type {
  Conversation,
  ConversationWithMessages,
  CreatedConversation,
  ErrorEnvelope,
  Page,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

/** A conversation created with its first message: stored together, or not at all. */
describe("starting a conversation with its first message", () => {
  let fake: FakeUpstream;
  let h: Harness;
  let bare: Harness;
  beforeAll(async () => {
    fake = await startFakeUpstream({ chunks: 2 });
    [h, bare] = await Promise.all([
      startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) }),
      // No provider: no model to answer with.
      startHarness(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([h.stop(), bare.stop()]);
    await fake.close();
  });

  const titles = async (harness: Harness, token: string) =>
    (
      await harness.call<Page<Conversation>>("GET", "/api/v1/conversations?limit=100", { token })
    ).body.items.map((c) => c.title);

  it("stores the conversation, named after the message, with the message and its streaming answer", async () => {
    const res = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: { message: { content: "## How do *I* rotate `keys`?" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe("How do I rotate keys?");
    expect(res.body.userMessage).toMatchObject({ role: "user", content: "## How do *I* rotate `keys`?" });
    expect(res.body.assistantMessage).toMatchObject({ role: "assistant", status: "streaming" });
    await expect
      .poll(async () => {
        const c = await h.call<ConversationWithMessages>("GET", `/api/v1/conversations/${res.body.id}`, {
          token: h.adminToken,
        });
        return c.body.messages.map((m) => `${m.role}:${m.status}`);
      })
      .toEqual(["user:completed", "assistant:completed"]);
    // Without a message, the API still makes an empty one (and says nothing else).
    const empty = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: {},
    });
    expect(empty.status).toBe(201);
    expect(empty.body.userMessage).toBeUndefined();
  });

  it("stores nothing when the first message is refused", async () => {
    const dev = await h.user("developer");
    const before = await titles(h, dev.token);
    for (const [body, status, code] of [
      [{ message: { content: "   " } }, 400, "validation.failed"],
      [{ message: { content: "" } }, 400, "validation.failed"],
      [{ message: { content: "x".repeat(200_001) } }, 413, "request.body_too_large"],
      [{ message: { content: "hi", extra: 1 } }, 400, "validation.failed"],
      [{ message: "hi" }, 400, "validation.failed"],
    ] as const) {
      const res = await h.call<ErrorEnvelope>("POST", "/api/v1/conversations", { token: dev.token, body });
      expect([res.status, res.body.error.code], JSON.stringify(body).slice(0, 60)).toEqual([status, code]);
    }
    expect(await titles(h, dev.token)).toEqual(before);

    // No model anywhere: refused after the conversation was made, which then goes too.
    const res = await bare.call<ErrorEnvelope>("POST", "/api/v1/conversations", {
      token: bare.adminToken,
      body: { message: { content: "Anyone there?" } },
    });
    expect([res.status, res.body.error.code]).toEqual([404, "model.not_found"]);
    expect(await titles(bare, bare.adminToken)).toEqual([]);
  });

  it("keeps concurrent first messages apart: one conversation each, two messages each", async () => {
    const dev = await h.user("developer");
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.call<CreatedConversation>("POST", "/api/v1/conversations", {
          token: dev.token,
          body: { message: { content: `Question ${i}` } },
        }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(created.map((r) => r.body.id)).size).toBe(20);
    const listed = await titles(h, dev.token);
    expect(listed.toSorted()).toEqual(Array.from({ length: 20 }, (_, i) => `Question ${i}`).toSorted());
    for (const r of created) {
      const c = await h.call<ConversationWithMessages>("GET", `/api/v1/conversations/${r.body.id}`, {
        token: dev.token,
      });
      expect(c.body.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    }
  }, 60_000);
});
