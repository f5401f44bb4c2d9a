import type { ChatEvent } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestContext } from "../../src/kernel/request-context.ts";
import type { ConversationEventStream } from "../../src/modules/chat/index.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

// The chat's event stream as a use case, without HTTP: what a bot or an MCP tool would call.
const TEXT = "one two three four five six seven eight nine ten";
let fake: FakeUpstream;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeUpstream({ text: TEXT, chunks: 10, chunkDelayMs: 20 });
  h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url), PARLEY_MAX_STREAMS_PER_USER: "2" });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

const events = () => h.parley.modules.chat.events;
async function contextOf(token: string): Promise<RequestContext> {
  const { principal } = await h.parley.modules.identity.auth.authenticate(token);
  return { requestId: null, ip: null, userAgent: "test", principal };
}
async function conversation(token: string): Promise<string> {
  const res = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token,
    body: { title: "Events", model: "fake/fake-model" },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function send(id: string, token: string): Promise<string> {
  const res = await h.call<{ assistantMessage: { id: string } }>(
    "POST",
    `/api/v1/conversations/${id}/messages`,
    {
      token,
      body: { content: "count" },
    },
  );
  expect(res.status).toBe(202);
  return res.body.assistantMessage.id;
}
/** Reads `stream` until the answer `messageId` ends; returns each event with its id. */
async function untilEnd(stream: ConversationEventStream, messageId: string) {
  const seen: { id: string; event: ChatEvent }[] = [];
  for await (const entry of stream) {
    seen.push({ id: `${entry.epoch}:${entry.seq}`, event: entry.data });
    const e = entry.data;
    if (e.messageId === messageId && ["message.completed", "message.failed"].includes(e.type)) break;
  }
  return seen;
}
const textOf = (seen: { event: ChatEvent }[]) =>
  seen.map(({ event }) => (event.type === "message.delta" ? event.text : "")).join("");

describe("a conversation's events as a service method", () => {
  it("streams an answer from the start, and resumes right after a given event id", async () => {
    const owner = await h.user("developer");
    const ctx = await contextOf(owner.token);
    const id = await conversation(owner.token);
    const stream = await events().open(id, ctx);
    const messageId = await send(id, owner.token);
    const seen = await untilEnd(stream, messageId);
    expect(stream.snapshot).toBeNull();
    expect(textOf(seen)).toBe(TEXT);

    const cut = seen.findIndex(({ event }) => event.type === "message.delta") + 3;
    const resumed = await events().open(id, ctx, { lastEventId: seen[cut]?.id });
    const rest = await untilEnd(resumed, messageId);
    expect(rest.map((r) => r.id)).toEqual(seen.slice(cut + 1).map((r) => r.id));
  });

  it("authorizes the caller: another member's private conversation is not found, anonymous must sign in", async () => {
    const owner = await h.user("developer");
    const other = await h.user("developer");
    const id = await conversation(owner.token);
    await expect(events().open(id, await contextOf(other.token))).rejects.toMatchObject({
      code: "conversation.not_found",
    });
    await expect(
      events().open(id, { requestId: null, ip: null, userAgent: null, principal: null }),
    ).rejects.toMatchObject({
      code: "auth.required",
    });
  });

  it("counts open streams per user and as presence, and frees both on close", async () => {
    const owner = await h.user("developer");
    const ctx = await contextOf(owner.token);
    const id = await conversation(owner.token);
    const first = await events().open(id, ctx);
    const second = await events().open(id, ctx);
    await expect(events().open(id, ctx)).rejects.toMatchObject({ code: "rate_limit.exceeded" });
    const watching = await h.call<{ viewers: number }>("GET", `/api/v1/conversations/${id}/presence`, {
      token: owner.token,
    });
    expect(watching.body.viewers).toBe(2);

    await first.close();
    await first.close(); // idempotent
    const third = await events().open(id, ctx);
    await Promise.all([second.close(), third.close()]);
    const after = await h.call<{ viewers: number }>("GET", `/api/v1/conversations/${id}/presence`, {
      token: owner.token,
    });
    expect(after.body.viewers).toBe(0);
  });

  it("ends the iteration when closed while the reader waits", async () => {
    const owner = await h.user("developer");
    const id = await conversation(owner.token);
    const stream = await events().open(id, await contextOf(owner.token));
    const reading = (async () => {
      let count = 0;
      for await (const _ of stream) count++;
      return count;
    })();
    await stream.close();
    await expect(reading).resolves.toBe(0);
  });
});
