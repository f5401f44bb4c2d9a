import type { CreatedConversation } from "@parley/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelPrincipal, type ChannelRef } from "../../src/kernel/principal.ts";
import type { RequestContext } from "../../src/kernel/request-context.ts";
import { pricedProviders } from "../billing/billing-support.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";

// Conversations a widget's or bot's visitors hold, through chat's service with a channel's
// principal (what the widget and Telegram modules call): isolated per visitor, left out of the
// web app, generated on the channel's surface and under its budgets.
const TEXT = "one two three four";
/** The publisher's AI requests per minute: each visitor gets as many. */
const AI_PER_MINUTE = 3;
let fake: FakeUpstream;
let h: Harness;
let publisher: { id: string; token: string };
let teamId: string;
let otherTeamId: string;

beforeAll(async () => {
  fake = await startFakeUpstream({ text: TEXT, chunks: 4, chunkDelayMs: 5, models: ["priced"] });
  h = await startHarness({
    PARLEY_PROVIDERS: pricedProviders(fake.url),
    PARLEY_MAX_STREAMS_PER_USER: "2",
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: { apiPerMinute: 100000 },
      developer: { apiPerMinute: 100000, aiPerMinute: AI_PER_MINUTE },
    }),
  });
  publisher = await h.user("developer", "publisher");
  teamId = await team("Support", publisher.id, "admin");
  otherTeamId = await team("Elsewhere", publisher.id, "admin");
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

async function team(name: string, memberId: string, role: string): Promise<string> {
  const created = await h.call<{ id: string }>("POST", "/api/v1/teams", {
    token: h.adminToken,
    body: { name },
  });
  expect(created.status).toBe(201);
  const added = await h.call("PUT", `/api/v1/teams/${created.body.id}/members/${memberId}`, {
    token: h.adminToken,
    body: { role },
  });
  expect(added.status).toBeLessThan(300);
  return created.body.id;
}

async function visitor(subject: string, channel: Partial<ChannelRef> = {}): Promise<RequestContext> {
  const account = await h.parley.modules.identity.auth.principalOfUser(publisher.id);
  if (!account) throw new Error("no publisher");
  const ref: ChannelRef = { kind: "widget", id: "widget-1", subject, teamId, ...channel };
  return {
    requestId: null,
    ip: "203.0.113.9",
    userAgent: "visitor",
    principal: channelPrincipal(account, ref),
  };
}

const chat = () => h.parley.modules.chat.chat;

async function ask(ctx: RequestContext, content = "hello"): Promise<CreatedConversation> {
  return chat().create({ model: "fake/priced", message: { content } }, ctx);
}

/** An answer's end: its type, and a failure's code. */
type Ending = { type: string; error?: { code: string } };

/**
 * How the answer ended: its last event, read from the conversation's events (or from the stored
 * answer when it ended before the stream opened, which then replays nothing of it).
 */
async function ending(id: string, ctx: RequestContext, messageId: string): Promise<Ending> {
  const stream = await h.parley.modules.chat.events.open(id, ctx);
  try {
    const stored = (await chat().get(id, ctx)).messages.find((m) => m.id === messageId);
    if (stored?.status === "completed") return { type: "message.completed" };
    if (stored?.status === "failed")
      return { type: "message.failed", ...(stored.error ? { error: stored.error } : {}) };
    for await (const entry of stream) {
      const e = entry.data;
      if (e.messageId === messageId && ["message.completed", "message.failed"].includes(e.type)) return e;
    }
  } finally {
    await stream.close();
  }
  throw new Error("the stream ended without the answer");
}

describe("channel conversations", () => {
  it("answers a visitor in the channel's team, on the channel's surface, and shows it to no one else", async () => {
    const alice = await visitor("visitor-alice");
    const created = await ask(alice);
    expect(created.teamId).toBe(teamId);
    const end = await ending(created.id, alice, created.assistantMessage?.id ?? "");
    expect(end).toMatchObject({ type: "message.completed" });
    expect((await chat().get(created.id, alice)).messages.map((m) => m.content)).toEqual(["hello", TEXT]);

    // Another visitor of the same widget, or the same visitor id on another widget: not found.
    for (const other of [await visitor("visitor-bob"), await visitor("visitor-alice", { id: "widget-2" })]) {
      await expect(chat().get(created.id, other)).rejects.toMatchObject({ code: "conversation.not_found" });
      await expect(chat().send(created.id, { content: "mine?" }, other)).rejects.toMatchObject({
        code: "conversation.not_found",
      });
      expect((await chat().list({ limit: 50 }, other)).items).toEqual([]);
    }
    expect((await chat().list({ limit: 50 }, alice)).items.map((c) => c.id)).toEqual([created.id]);

    // The publisher's web app neither lists, searches nor opens it.
    const mine = await h.call<{ items: { id: string }[] }>("GET", "/api/v1/conversations?limit=100", {
      token: publisher.token,
    });
    expect(mine.body.items.map((c) => c.id)).not.toContain(created.id);
    const opened = await h.call("GET", `/api/v1/conversations/${created.id}`, { token: publisher.token });
    expect(opened.status).toBe(404);
    const found = await h.call<{ items: { conversationId: string }[] }>(
      "GET",
      "/api/v1/conversations/search?q=hello",
      { token: publisher.token },
    );
    expect(found.body.items.map((i) => i.conversationId)).not.toContain(created.id);

    // Metered on the widget's surface, to the channel's team.
    const usage = await sql<{ surface: string; team_id: string | null }>`
      select surface, team_id from usage_records where user_id = ${publisher.id}`.execute(
      h.parley.platform.database.db,
    );
    expect(usage.rows).toEqual([{ surface: "widget", team_id: teamId }]);
    const audit = await h.call<{ items: { action: string; actor: { type: string; id: string | null } }[] }>(
      "GET",
      `/api/v1/audit?action=conversation.created&limit=200`,
      { token: h.adminToken },
    );
    expect(audit.body.items.some((e) => e.actor.type === "channel" && e.actor.id === "widget:widget-1")).toBe(
      true,
    );
  });

  it("acts only in the channel's team, with only what an answer needs", async () => {
    const alice = await visitor("visitor-carol");
    await expect(
      chat().create({ model: "fake/priced", teamId: otherTeamId, message: { content: "hi" } }, alice),
    ).rejects.toMatchObject({ code: "team.not_found" });
    // The publisher's own personal conversation is out of reach.
    const own = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: publisher.token,
      body: { title: "Private", model: "fake/priced" },
    });
    await expect(chat().get(own.body.id, alice)).rejects.toMatchObject({ code: "conversation.not_found" });
    // A publisher who has left the channel's team can no longer answer through it.
    const left = await visitor("visitor-dan", { teamId: "no-such-team" });
    await expect(ask(left)).rejects.toMatchObject({ code: "team.not_found" });
  });

  it("refuses an answer the widget's budget cannot cover before any provider call", async () => {
    // Stored straight: the API takes budgets only on widgets that exist, and this channel is made up.
    const now = Date.now();
    await sql`insert into billing_budgets (id, scope_kind, scope_id, team_id, period, per, limit_micros, created_by, created_at, updated_at)
      values (${"budget-widget-budgeted"}, 'widget', 'widget-budgeted', null, 'day', '', 1, null, ${now}, ${now})`.execute(
      h.parley.platform.database.db,
    );
    const eve = await visitor("visitor-eve", { id: "widget-budgeted" });
    const before = fake.requests.length;
    const created = await ask(eve);
    const end = await ending(created.id, eve, created.assistantMessage?.id ?? "");
    expect(end).toMatchObject({ type: "message.failed", error: { code: "budget.exceeded" } });
    expect(fake.requests.length).toBe(before);
    // The same visitor on an unbudgeted widget is answered.
    const other = await visitor("visitor-eve", { id: "widget-free" });
    const answered = await ask(other);
    expect(await ending(answered.id, other, answered.assistantMessage?.id ?? "")).toMatchObject({
      type: "message.completed",
    });
  });

  it("spends each visitor's own AI requests per minute, not the publisher's", async () => {
    const visitors = await Promise.all(
      Array.from({ length: AI_PER_MINUTE + 2 }, (_, i) =>
        visitor(`visitor-rate-${i}`, { id: "widget-rate" }),
      ),
    );
    const answered = await Promise.all(
      visitors.map(async (ctx) => {
        const c = await ask(ctx);
        return ending(c.id, ctx, c.assistantMessage?.id ?? "");
      }),
    );
    expect(answered.map((e) => e.type)).toEqual(visitors.map(() => "message.completed"));
    // One visitor past the limit is refused; the others are not affected.
    const busy = visitors[0] as RequestContext;
    const ends: Ending[] = [];
    for (let i = 1; i <= AI_PER_MINUTE; i++) {
      const c = await ask(busy);
      ends.push(await ending(c.id, busy, c.assistantMessage?.id ?? ""));
    }
    expect(ends.at(-1)).toMatchObject({ type: "message.failed", error: { code: "rate_limit.exceeded" } });
    const other = visitors[1] as RequestContext;
    const c = await ask(other);
    expect(await ending(c.id, other, c.assistantMessage?.id ?? "")).toMatchObject({
      type: "message.completed",
    });
  });

  it("limits open event streams per visitor, not per publisher", async () => {
    const ctxs = await Promise.all(Array.from({ length: 12 }, (_, i) => visitor(`visitor-many-${i}`)));
    const conversations = await Promise.all(ctxs.map((ctx) => ask(ctx)));
    const streams = await Promise.all(
      conversations.map((c, i) => h.parley.modules.chat.events.open(c.id, ctxs[i] as RequestContext)),
    );
    expect(streams).toHaveLength(12);
    await Promise.all(streams.map((s) => s.close()));
  });
});
