import { join } from "node:path";
import type { ErrorEnvelope, VisitorExchange } from "@parley/contracts";
import Sqlite from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, uniqueId } from "../services.ts";
import { publish, visitor, visitorCall, widgetTeam, widgetTestEnv } from "./widget-support.ts";

/**
 * Unpublishing a widget deletes its visitors' conversations with it (no one in the team can read
 * them), only once the caller confirmed their number; none is left behind, nobody else's goes.
 */
const HIGH = { visitorPerHour: 10_000, ipPerHour: 10_000, widgetPerDay: 10_000 };

describe.each(["embedded", "distributed"] as const)("deleting a widget (%s)", (shape) => {
  let fake: FakeUpstream;
  let h: Harness;
  let database: TestPostgres | null = null;
  const namespace = uniqueId("wdelete");

  beforeAll(async () => {
    fake = await startFakeUpstream({ chunks: 2 });
    database = shape === "distributed" ? await createTestPostgres() : null;
    h = await startHarness(
      widgetTestEnv(
        fake.url,
        database
          ? { databaseUrl: database.url, namespace, secretKey: "widget-delete-secret-key-0123456789abcdef" }
          : null,
      ),
    );
  }, 120_000);
  afterAll(async () => {
    await h.stop();
    await fake.close();
    await database?.drop();
    if (database) await cleanupNamespace(namespace);
  });

  /** Rows of the database, read as they are stored (conversations and their messages by channel). */
  async function stored(widgetId: string): Promise<{ conversations: number; messages: number }> {
    const conversations =
      "select count(*) as n from conversations where channel = 'widget' and channel_id = $1";
    const messages =
      "select count(*) as n from messages where conversation_id in (select id from conversations where channel_id = $1)";
    if (database) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const count = async (text: string) =>
          Number((await client.query<{ n: string }>(text, [widgetId])).rows[0]?.n);
        return { conversations: await count(conversations), messages: await count(messages) };
      } finally {
        await client.end();
      }
    }
    const db = new Sqlite(join(h.dataDir, "parley.db"), { readonly: true });
    try {
      const count = (text: string) => (db.prepare(text.replace("$1", "?")).get(widgetId) as { n: number }).n;
      return { conversations: count(conversations), messages: count(messages) };
    } finally {
      db.close();
    }
  }

  /** Starts a conversation as a new visitor of `key`. */
  async function converse(key: string): Promise<void> {
    const { token } = await visitor(h, key);
    const res = await visitorCall<VisitorExchange>(h, "POST", key, "/conversations", {
      token,
      body: { content: "Hello" },
    });
    expect(res.status).toBe(201);
  }

  it("deletes a widget without conversations at once", async () => {
    const team = await widgetTeam(h, "Empty");
    const widget = await publish(h, team.operator.token, team);
    const res = await h.call("DELETE", `/api/v1/widgets/${widget.id}`, { token: team.operator.token });
    expect(res.status).toBe(204);
  });

  it("asks to confirm how many visitors' conversations go with it, then deletes them all and only them", async () => {
    const team = await widgetTeam(h, "Busy");
    const widget = await publish(h, team.operator.token, team, { limits: HIGH });
    const other = await publish(h, team.operator.token, team, { limits: HIGH });
    await converse(widget.key);
    await converse(widget.key);
    await converse(other.key);
    expect((await stored(widget.id)).conversations).toBe(2);

    for (const query of ["", "?deleteConversations=0", "?deleteConversations=1", "?deleteConversations=3"]) {
      const refused = await h.call<ErrorEnvelope>("DELETE", `/api/v1/widgets/${widget.id}${query}`, {
        token: team.operator.token,
      });
      expect([refused.status, refused.body.error.code]).toEqual([409, "widget.has_conversations"]);
      expect(refused.body.error.details).toEqual({ conversations: 2 });
    }
    // Nothing went: the widget still answers its visitors.
    expect((await visitorCall(h, "GET", widget.key, "")).status).toBe(200);
    expect((await stored(widget.id)).conversations).toBe(2);

    const bad = await h.call<ErrorEnvelope>(
      "DELETE",
      `/api/v1/widgets/${widget.id}?deleteConversations=two`,
      {
        token: team.operator.token,
      },
    );
    expect([bad.status, bad.body.error.code]).toEqual([400, "validation.failed"]);

    const deleted = await h.call("DELETE", `/api/v1/widgets/${widget.id}?deleteConversations=2`, {
      token: team.operator.token,
    });
    expect(deleted.status).toBe(204);
    expect(await stored(widget.id)).toEqual({ conversations: 0, messages: 0 });
    expect((await stored(other.id)).conversations).toBe(1);
    expect((await visitorCall(h, "GET", widget.key, "")).status).toBe(404);

    const audit = await h.call<{
      items: { action: string; target: { id: string } | null; summary: unknown }[];
    }>("GET", "/api/v1/audit?limit=100", { token: h.adminToken });
    const entry = audit.body.items.find((e) => e.action === "widget.deleted" && e.target?.id === widget.id);
    expect(entry?.summary).toMatchObject({ name: widget.name, conversationsDeleted: 2 });
  });

  it("lets no one without widgets:manage delete it, nor learn how many conversations it holds", async () => {
    const team = await widgetTeam(h, "Guarded");
    const widget = await publish(h, team.operator.token, team, { limits: HIGH });
    await converse(widget.key);
    const developer = await team.member("developer");
    const outsider = await h.user("operator");
    for (const token of [developer.token, outsider.token]) {
      const res = await h.call<ErrorEnvelope>(
        "DELETE",
        `/api/v1/widgets/${widget.id}?deleteConversations=1`,
        {
          token,
        },
      );
      expect([403, 404]).toContain(res.status);
      expect(res.body.error.details).not.toEqual({ conversations: 1 });
    }
    expect((await stored(widget.id)).conversations).toBe(1);
  });
});
