import type { ConversationSearchHit, ErrorEnvelope, Page } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { buildMessage } from "./chat-factories.ts";
import { openSse } from "./sse-client.ts";

describe.each(["sqlite", "postgres"] as const)("message search on %s", (shape) => {
  let fake: FakeUpstream;
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;
  let dev: Awaited<ReturnType<Harness["user"]>>;
  let other: Awaited<ReturnType<Harness["user"]>>;

  beforeAll(async () => {
    fake = await startFakeUpstream({
      chunks: 3,
      textFor: (body) => {
        const messages = (body as { messages: { content: string }[] }).messages;
        return `Use the zeppelinQuartz flag to answer ${messages.at(-1)?.content ?? "?"}`;
      },
    });
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness({
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      ...(pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "search-test-secret-0123456789abcdef" }
        : {}),
    });
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    teamA = await team("Platform");
    teamB = await team("Payments");
    dev = await memberOf(teamA, "developer");
    other = await h.user("developer");
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
    await fake.close();
  });

  async function memberOf(teamId: string, role: "viewer" | "developer" | "admin") {
    const u = await h.user("developer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }
  const db = () => allTables(h.parley.platform.database);

  /** A conversation (as `token`, in `teamId` or personal) holding `texts` as completed messages. */
  async function conversationWith(
    texts: string[],
    options: { token?: string; teamId?: string; title?: string } = {},
  ): Promise<{ id: string; messageIds: string[] }> {
    const res = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: options.token ?? dev.token,
      body: {
        model: "fake/fake-model",
        ...(options.teamId ? { teamId: options.teamId } : {}),
        ...(options.title ? { title: options.title } : {}),
      },
    });
    expect(res.status).toBe(201);
    const rows = texts.map((content, position) =>
      buildMessage({
        conversation_id: res.body.id,
        position,
        role: position % 2 ? "assistant" : "user",
        content,
        created_at: Date.now() + position,
      }),
    );
    if (rows.length) await db().insertInto("messages").values(rows).execute();
    return { id: res.body.id, messageIds: rows.map((r) => r.id) };
  }
  const search = (q: string, token = dev.token, extra = "") =>
    h.call<Page<ConversationSearchHit>>(
      "GET",
      `/api/v1/conversations/search?q=${encodeURIComponent(q)}${extra}`,
      { token },
    );
  const hitIds = async (q: string, token = dev.token, extra = "") => {
    const res = await search(q, token, extra);
    expect(res.status).toBe(200);
    return res.body.items.map((i) => i.message?.id ?? i.conversation.id);
  };
  const marked = (hit: ConversationSearchHit | undefined) =>
    hit ? hit.highlights.map((r) => hit.snippet.slice(r.start, r.end)) : [];

  it("finds words in message bodies, as prefixes, in any case and without diacritics, and marks them", async () => {
    const c = await conversationWith([
      "How do I drain the Kafka partitions before a deploy?",
      "Call `drainPartitions()` first; the café keeps serving while the consumer_group rebalances.",
    ]);
    expect(await hitIds("kafka")).toEqual([c.messageIds[0]]);
    expect(await hitIds("KAFK")).toEqual([c.messageIds[0]]);
    // SQLite's FTS5 folds diacritics; PostgreSQL's `simple` configuration keeps them (ADR 0033).
    expect(await hitIds(shape === "sqlite" ? "cafe rebalance" : "café rebalance")).toEqual([c.messageIds[1]]);
    expect(await hitIds("consumer_group")).toEqual([c.messageIds[1]]);
    const res = await search("drain");
    expect(res.body.items.map((i) => i.message?.id).sort()).toEqual([...c.messageIds].sort());
    const hit = res.body.items.find((i) => i.message?.id === c.messageIds[1]);
    expect(hit).toMatchObject({
      conversation: { id: c.id, title: "New conversation", teamId: null },
      message: { role: "assistant" },
    });
    expect(marked(hit)).toEqual(["drain"]);
    expect(hit?.snippet).toContain("drainPartitions()");
    expect(marked((await search(shape === "sqlite" ? "cafe" : "CAFÉ")).body.items[0])).toEqual(["café"]);
  });

  it("ranks the message that holds the words most densely first, and pages", async () => {
    const c = await conversationWith([
      "wobbegong",
      `a long message that mentions wobbegong once among ${"many other words ".repeat(60)}`,
      "wobbegong wobbegong wobbegong sharks",
    ]);
    const ids = await hitIds("wobbegong");
    expect(ids[0]).toBe(c.messageIds[2]);
    expect(ids.at(-1)).toBe(c.messageIds[1]);
    const first = await search("wobbegong", dev.token, "&limit=2");
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await search(
      "wobbegong",
      dev.token,
      `&limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? "")}`,
    );
    expect(second.body.items.map((i) => i.message?.id)).toEqual([c.messageIds[1]]);
    expect(second.body.nextCursor).toBeNull();
    // The long message's snippet is a window around the match, cut with "…".
    const long = second.body.items[0];
    expect(long?.snippet.length).toBeLessThan(200);
    expect(long?.snippet.endsWith("…")).toBe(true);
    expect(marked(long)).toEqual(["wobbegong"]);
    const bad = await search("wobbegong", dev.token, "&cursor=nonsense");
    expect([bad.status, (bad.body as unknown as ErrorEnvelope).error.code]).toEqual([
      400,
      "validation.failed",
    ]);
  });

  it("finds titles before messages, by substring", async () => {
    const c = await conversationWith(["nothing here"], { title: "Quarterly narwhal review" });
    const m = await conversationWith(["the narwhal tusk is a tooth"]);
    const res = await search("narwhal");
    expect(res.body.items.map((i) => [i.conversation.id, i.message?.id ?? null])).toEqual([
      [c.id, null],
      [m.id, m.messageIds[0]],
    ]);
    expect(marked(res.body.items[0])).toEqual(["narwhal"]);
    expect(await hitIds("terly")).toEqual([c.id]);
  });

  it("shows only conversations the caller may read: not another person's, not another team's, a team's to its members", async () => {
    const mine = await conversationWith(["secret okapi plans"]);
    const theirs = await conversationWith(["their okapi plans"], { token: other.token });
    const team = await conversationWith(["team okapi plans"], { teamId: teamA });
    const outsider = await memberOf(teamB, "admin");
    const otherTeam = await conversationWith(["payments okapi plans"], {
      token: outsider.token,
      teamId: teamB,
    });
    const viewer = await memberOf(teamA, "viewer");

    expect((await hitIds("okapi")).sort()).toEqual([mine.messageIds[0], team.messageIds[0]].sort());
    expect(await hitIds("okapi", other.token)).toEqual([theirs.messageIds[0]]);
    expect(await hitIds("okapi", outsider.token)).toEqual([otherTeam.messageIds[0]]);
    // A viewer of team A reads its conversations (viewers hold conversations:read).
    expect(await hitIds("okapi", viewer.token)).toEqual([team.messageIds[0]]);
    expect(await hitIds("okapi", dev.token, `&teamId=${teamA}`)).toEqual([team.messageIds[0]]);
    const foreign = await search("okapi", dev.token, `&teamId=${teamB}`);
    expect([foreign.status, (foreign.body as unknown as ErrorEnvelope).error.code]).toEqual([
      404,
      "team.not_found",
    ]);
  });

  it("narrows to a project, and answers 404 for a project the caller cannot see", async () => {
    const project = (
      await h.call<{ id: string }>("POST", "/api/v1/projects", {
        token: dev.token,
        body: { teamId: teamA, name: "Search project" },
      })
    ).body.id;
    const inProject = await conversationWith(["the gecko in the project"], { teamId: teamA });
    await h.call("PATCH", `/api/v1/conversations/${inProject.id}`, {
      token: dev.token,
      body: { projectId: project },
    });
    const outside = await conversationWith(["the gecko outside"], { teamId: teamA });
    expect((await hitIds("gecko")).sort()).toEqual([inProject.messageIds[0], outside.messageIds[0]].sort());
    expect(await hitIds("gecko", dev.token, `&projectId=${project}`)).toEqual([inProject.messageIds[0]]);
    const unseen = await search("gecko", other.token, `&projectId=${project}`);
    expect([unseen.status, (unseen.body as unknown as ErrorEnvelope).error.code]).toEqual([
      404,
      "project.not_found",
    ]);
  });

  it("follows replaced_at both ways, edits of content, and deletes", async () => {
    const c = await conversationWith(["the axolotl question", "the axolotl answer"]);
    const answer = c.messageIds[1] ?? "";
    expect(await hitIds("axolotl")).toHaveLength(2);
    await db().updateTable("messages").set({ replaced_at: Date.now() }).where("id", "=", answer).execute();
    expect(await hitIds("axolotl")).toEqual([c.messageIds[0]]);
    // A branch brought back.
    await db().updateTable("messages").set({ replaced_at: null }).where("id", "=", answer).execute();
    expect(await hitIds("axolotl")).toHaveLength(2);
    await db()
      .updateTable("messages")
      .set({ content: "now about capybaras" })
      .where("id", "=", answer)
      .execute();
    expect(await hitIds("axolotl")).toEqual([c.messageIds[0]]);
    expect(await hitIds("capybara")).toEqual([answer]);
    expect((await h.call("DELETE", `/api/v1/conversations/${c.id}`, { token: dev.token })).status).toBe(204);
    expect(await hitIds("axolotl")).toEqual([]);
    expect(await hitIds("capybara")).toEqual([]);
  });

  it("indexes an answer when it ends, not while it streams, and replaced answers leave on regenerate", async () => {
    const conversation = (
      await h.call<{ id: string }>("POST", "/api/v1/conversations", {
        token: dev.token,
        body: { model: "fake/fake-model" },
      })
    ).body.id;
    const streaming = buildMessage({
      conversation_id: conversation,
      position: 0,
      role: "assistant",
      status: "streaming",
      content: "half a platypus answer",
    });
    await db().insertInto("messages").values(streaming).execute();
    expect(await hitIds("platypus")).toEqual([]);
    await db()
      .updateTable("messages")
      .set({ status: "completed", content: "a whole platypus answer" })
      .where("id", "=", streaming.id)
      .execute();
    expect(await hitIds("platypus")).toEqual([streaming.id]);

    // The real flow: send, the worker answers, the answer is found; regenerate replaces it.
    const sse = await openSse(`${h.url}/api/v1/conversations/${conversation}/events`, {
      authorization: `Bearer ${dev.token}`,
    });
    try {
      const sent = await h.call<{ assistantMessage: { id: string } }>(
        "POST",
        `/api/v1/conversations/${conversation}/messages`,
        { token: dev.token, body: { content: "what about tapirs" } },
      );
      expect(sent.status).toBe(202);
      const answerId = sent.body.assistantMessage.id;
      await sse.until((events) =>
        events.some(
          (e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === answerId,
        ),
      );
      const found = (await search("zeppelinquartz")).body.items;
      expect(found.map((i) => i.message?.id)).toEqual([answerId]);
      expect(marked(found[0])).toEqual(["zeppelinQuartz"]);
      const again = await h.call<{ assistantMessage: { id: string } }>(
        "POST",
        `/api/v1/messages/${answerId}/regenerate`,
        { token: dev.token, body: {} },
      );
      expect(again.status).toBe(202);
      const newId = again.body.assistantMessage.id;
      await sse.until((events) =>
        events.some(
          (e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === newId,
        ),
      );
      expect(await hitIds("zeppelinquartz")).toEqual([newId]);
    } finally {
      sse.close();
    }
  });

  it("answers operators, quotes, emoji and long queries with results or a clean 400, never a 500", async () => {
    const c = await conversationWith(['say "NEAR" or -rf * with a 🦄 unicorn']);
    for (const q of [
      '"',
      '""',
      "*",
      "NEAR",
      "near(",
      "-rf",
      'unbalanced "quote',
      "a OR b",
      "🦄",
      "x:*",
      "(",
      "^",
    ])
      expect((await search(q)).status).toBe(200);
    expect(await hitIds('"near"')).toEqual([c.messageIds[0]]);
    expect(await hitIds("-rf")).toEqual([c.messageIds[0]]);
    expect(await hitIds("🦄 unicorn")).toEqual([c.messageIds[0]]);
    expect(await hitIds("🦄")).toEqual([]);
    const long = await search("x".repeat(10_000));
    expect([long.status, (long.body as unknown as ErrorEnvelope).error.code]).toEqual([
      400,
      "validation.failed",
    ]);
    const empty = await search("   ");
    expect([empty.status, (empty.body as unknown as ErrorEnvelope).error.code]).toEqual([
      400,
      "validation.failed",
    ]);
  });
});
