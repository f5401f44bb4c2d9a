import type { ConversationWithMessages } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { openSse, type SseEvent } from "./sse-client.ts";

let fake: FakeUpstream;
let h: Harness;
let database: TestPostgres | null = null;

beforeAll(async () => {
  // The answer names the last thing it was asked and how many messages it saw, so the context
  // each answer was given is visible in its text.
  fake = await startFakeUpstream({
    chunks: 4,
    chunkDelayMs: 20,
    textFor: (body) => {
      const messages = (body as { messages: { role: string; content: string }[] }).messages;
      return `answer to ${messages.at(-1)?.content ?? "?"} after ${messages.length} messages`;
    },
  });
});
afterAll(async () => {
  await fake.close();
});

type View = ConversationWithMessages;
interface Sent {
  userMessage: { id: string };
  assistantMessage: { id: string; status: string };
}
interface Failure {
  error: { code: string };
}

async function conversation(token = h.adminToken, teamId?: string): Promise<string> {
  const res = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token,
    body: { model: "fake/fake-model", ...(teamId ? { teamId } : {}) },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const load = async (id: string, token = h.adminToken) =>
  (await h.call<View>("GET", `/api/v1/conversations/${id}`, { token })).body;

/** Waits until no answer of the conversation streams; returns the conversation as it reads. */
async function settled(id: string, token = h.adminToken): Promise<View> {
  const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
    authorization: `Bearer ${token}`,
  });
  try {
    const before = await load(id, token);
    const streaming = before.messages.find((m) => m.status === "streaming");
    if (!streaming) return before;
    await sse.until((events: SseEvent[]) =>
      events.some(
        (e) =>
          ["message.completed", "message.failed", "message.cancelled"].includes(e.event) &&
          (e.data as { messageId: string }).messageId === streaming.id,
      ),
    );
  } finally {
    sse.close();
  }
  return load(id, token);
}

async function exchange(id: string, content: string, editOf?: string, token = h.adminToken) {
  const sent = await h.call<Sent>("POST", `/api/v1/conversations/${id}/messages`, {
    token,
    body: { content, ...(editOf ? { editOf } : {}) },
  });
  expect(sent.status).toBe(202);
  return { sent: sent.body, view: await settled(id, token) };
}

async function regenerate(messageId: string, id: string): Promise<{ answer: string; view: View }> {
  const res = await h.call<{ assistantMessage: { id: string } }>(
    "POST",
    `/api/v1/messages/${messageId}/regenerate`,
    { token: h.adminToken, body: {} },
  );
  expect(res.status).toBe(202);
  return { answer: res.body.assistantMessage.id, view: await settled(id) };
}

const select = (id: string, messageId: string, token = h.adminToken) =>
  h.call<View & Failure>("POST", `/api/v1/conversations/${id}/messages/${messageId}/select`, { token });

const shape = (view: View) => view.messages.map((m) => `${m.role}:${m.content}`);
const versionOf = (view: View, messageId: string) => {
  const v = view.messages.find((m) => m.id === messageId)?.versions;
  return v ? `${v.index}/${v.count}` : "1/1";
};

/**
 * The stored tree is one path: the current messages, in order, each follow the one before, the
 * first has no parent, and the last has no children.
 */
async function expectOnePath(id: string): Promise<void> {
  const rows = await allTables(h.parley.platform.database)
    .selectFrom("messages")
    .select(["id", "parent_id", "position", "replaced_at"])
    .where("conversation_id", "=", id)
    .orderBy("position")
    .execute();
  const current = rows.filter((r) => r.replaced_at === null);
  expect(current.length).toBeGreaterThan(0);
  current.forEach((r, i) => {
    expect(r.parent_id).toBe(i === 0 ? null : current[i - 1]?.id);
  });
  const tip = current.at(-1)?.id;
  expect(rows.filter((r) => r.parent_id === tip)).toEqual([]);
}

async function startParley(dialect: "SQLite" | "PostgreSQL"): Promise<void> {
  database = dialect === "PostgreSQL" ? await createTestPostgres() : null;
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
      developer: { apiPerMinute: 100000, aiPerMinute: 100000 },
      viewer: { apiPerMinute: 100000, aiPerMinute: 100000 },
    }),
    ...(database
      ? { PARLEY_DATABASE_URL: database.url, PARLEY_SECRET_KEY: "chat-branches-test-secret-0123456789abcdef" }
      : {}),
  });
}

describe.each(["SQLite", "PostgreSQL"] as const)("message versions on %s", (dialect) => {
  beforeAll(() => startParley(dialect));
  afterAll(async () => {
    await h.stop();
    await database?.drop();
  });

  it("keeps an edited message as a version; switching back restores its whole path and the model's context", async () => {
    const id = await conversation();
    const { sent: first } = await exchange(id, "first");
    const { sent: second } = await exchange(id, "second");
    const { sent: edit, view: edited } = await exchange(id, "first, reworded", first.userMessage.id);
    expect(shape(edited)).toEqual([
      "user:first, reworded",
      "assistant:answer to first, reworded after 1 messages",
    ]);
    expect(edited.messages[0]?.versions).toEqual({
      index: 2,
      count: 2,
      siblingIds: [first.userMessage.id, edit.userMessage.id],
    });
    expect(versionOf(edited, edit.assistantMessage.id)).toBe("1/1");

    const back = await select(id, first.userMessage.id);
    expect(back.status).toBe(200);
    expect(shape(back.body)).toEqual([
      "user:first",
      "assistant:answer to first after 1 messages",
      "user:second",
      "assistant:answer to second after 3 messages",
    ]);
    expect(versionOf(back.body, first.userMessage.id)).toBe("1/2");
    expect(back.body.messages.at(-1)?.id).toBe(second.assistantMessage.id);
    expect(shape(await load(id))).toEqual(shape(back.body));
    await expectOnePath(id);

    // The next answer is given the selected path, not the edited one.
    const { view } = await exchange(id, "third");
    expect(fake.requests.at(-1)?.body).toMatchObject({
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "answer to first after 1 messages" },
        { role: "user", content: "second" },
        { role: "assistant", content: "answer to second after 3 messages" },
        { role: "user", content: "third" },
      ],
    });
    expect(view.messages.at(-1)?.content).toBe("answer to third after 5 messages");

    // And the edited version comes back as it was left.
    const again = await select(id, edit.userMessage.id);
    expect(shape(again.body)).toEqual(shape(edited));
    const audit = await h.call<{ items: { action: string }[] }>(
      "GET",
      `/api/v1/audit?targetId=${id}&limit=50`,
      { token: h.adminToken },
    );
    expect(audit.body.items.filter((e) => e.action === "message.version_selected")).toHaveLength(2);
  });

  it("keeps a regenerated answer as a version, each regeneration the newest n/n", async () => {
    const id = await conversation();
    const { sent } = await exchange(id, "only");
    const original = sent.assistantMessage.id;
    const { answer: second, view } = await regenerate(original, id);
    expect(versionOf(view, second)).toBe("2/2");
    const { answer: third, view: latest } = await regenerate(second, id);
    expect(versionOf(latest, third)).toBe("3/3");
    expect(latest.messages.find((m) => m.id === third)?.versions?.siblingIds).toEqual([
      original,
      second,
      third,
    ]);
    const back = await select(id, original);
    expect(back.body.messages.map((m) => m.id)).toEqual([sent.userMessage.id, original]);
    expect(versionOf(back.body, original)).toBe("1/3");
    // Choosing the message that is current already changes nothing.
    const same = await select(id, original);
    expect(same.status).toBe(200);
    expect(same.body.messages.map((m) => m.id)).toEqual([sent.userMessage.id, original]);
    await expectOnePath(id);
  });

  it("continues under a version with the branch that was shown last", async () => {
    const id = await conversation();
    const { sent: first } = await exchange(id, "first");
    const { sent: second } = await exchange(id, "second");
    // Under the first answer: the second exchange, regenerated, then its first answer chosen again.
    const { answer: secondAgain } = await regenerate(second.assistantMessage.id, id);
    await select(id, second.assistantMessage.id);
    await exchange(id, "first, reworded", first.userMessage.id);
    const back = await select(id, first.userMessage.id);
    expect(back.body.messages.map((m) => m.id)).toEqual([
      first.userMessage.id,
      first.assistantMessage.id,
      second.userMessage.id,
      second.assistantMessage.id,
    ]);
    expect(versionOf(back.body, second.assistantMessage.id)).toBe("1/2");
    expect(back.body.messages.some((m) => m.id === secondAgain)).toBe(false);
  });

  it("tells every reader of the conversation about a switch on its event stream", async () => {
    const id = await conversation();
    const { sent: first } = await exchange(id, "first");
    await exchange(id, "reworded", first.userMessage.id);
    const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    try {
      expect((await select(id, first.userMessage.id)).status).toBe(200);
      const events = await sse.until((all: SseEvent[]) =>
        all.some((e) => e.event === "conversation.branch_selected"),
      );
      expect(events.find((e) => e.event === "conversation.branch_selected")?.data).toMatchObject({
        type: "conversation.branch_selected",
        messageId: first.userMessage.id,
      });
    } finally {
      sse.close();
    }
  });

  it("refuses to switch while an answer streams, and hides what the caller may not see", async () => {
    const id = await conversation();
    const { sent: first } = await exchange(id, "first");
    await exchange(id, "reworded", first.userMessage.id);
    const other = await conversation();
    const { sent: foreign } = await exchange(other, "elsewhere");
    // A message of another conversation, or none at all, is not one of this one.
    const wrong = await select(id, foreign.userMessage.id);
    expect([wrong.status, wrong.body.error.code]).toEqual([404, "message.not_found"]);
    const unknown = await select(id, "nope");
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "message.not_found"]);
    // Someone else's conversation does not exist for a stranger.
    const stranger = await h.user("developer");
    const hidden = await select(id, first.userMessage.id, stranger.token);
    expect([hidden.status, hidden.body.error.code]).toEqual([404, "conversation.not_found"]);
    // A team's viewer reads its conversations but may not switch them; another team sees nothing.
    const team = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name: `Branches ${dialect}` },
      })
    ).body.id;
    const member = async (role: "viewer" | "developer", globalRole: "viewer" | "developer") => {
      const u = await h.user(globalRole);
      await h.call("PUT", `/api/v1/teams/${team}/members/${u.id}`, { token: h.adminToken, body: { role } });
      return u;
    };
    const developer = await member("developer", "developer");
    const viewer = await member("viewer", "viewer");
    const shared = await conversation(developer.token, team);
    const { sent: asked } = await exchange(shared, "team question", undefined, developer.token);
    await exchange(shared, "team question, reworded", asked.userMessage.id, developer.token);
    expect((await load(shared, viewer.token)).messages[0]?.versions?.count).toBe(2);
    const refused = await select(shared, asked.userMessage.id, viewer.token);
    expect([refused.status, refused.body.error.code]).toEqual([403, "auth.forbidden"]);
    const outsider = await select(shared, asked.userMessage.id, stranger.token);
    expect(outsider.status).toBe(404);
    expect((await select(shared, asked.userMessage.id, developer.token)).status).toBe(200);

    // While an answer streams, the path stays as it is. (Slowed down so that it still streams.)
    fake.configure({ chunkDelayMs: 400 });
    const streaming = await h.call<Sent>("POST", `/api/v1/conversations/${id}/messages`, {
      token: h.adminToken,
      body: { content: "slow" },
    });
    const busy = await select(id, first.userMessage.id);
    fake.configure({ chunkDelayMs: 20 });
    expect([busy.status, busy.body.error.code]).toEqual([409, "resource.conflict"]);
    const view = await settled(id);
    expect(view.messages.at(-1)?.id).toBe(streaming.body.assistantMessage.id);
    expect(view.messages[0]?.content).toBe("reworded");
    await expectOnePath(id);
  });

  it("leaves one consistent path after 20 concurrent switches and sends", async () => {
    const id = await conversation();
    const { sent: first } = await exchange(id, "first");
    await exchange(id, "second");
    const { sent: edit } = await exchange(id, "first, reworded", first.userMessage.id);
    const { answer: regenerated } = await regenerate(edit.assistantMessage.id, id);
    const choices = [
      first.userMessage.id,
      edit.userMessage.id,
      edit.assistantMessage.id,
      regenerated,
      first.assistantMessage.id,
    ];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 5 === 4
          ? h.call<Failure>("POST", `/api/v1/conversations/${id}/messages`, {
              token: h.adminToken,
              body: { content: `concurrent ${i}` },
            })
          : select(id, choices[i % choices.length] ?? ""),
      ),
    );
    for (const answer of answers) {
      expect([200, 202, 409]).toContain(answer.status);
      if (answer.status === 409) expect(answer.body.error.code).toBe("resource.conflict");
    }
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    const view = await settled(id);
    await expectOnePath(id);
    // What the API shows is that path, and each answer was given the path it was sent on.
    const rows = await allTables(h.parley.platform.database)
      .selectFrom("messages")
      .select("id")
      .where("conversation_id", "=", id)
      .where("replaced_at", "is", null)
      .orderBy("position")
      .execute();
    expect(view.messages.map((m) => m.id)).toEqual(rows.map((r) => r.id));
    for (const m of view.messages.filter((m) => m.role === "assistant" && m.status === "completed")) {
      const at = view.messages.indexOf(m);
      const asked = view.messages[at - 1]?.content ?? "";
      expect(m.content).toBe(`answer to ${asked} after ${at} messages`);
    }
  });
});
