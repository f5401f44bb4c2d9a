import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../../../test/all-tables.ts";
import { seedStreamingAnswer } from "../../../test/chat/chat-factories.ts";
import { createTestPostgres, type TestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { openDatabase, type Database } from "../../platform/db/database.ts";
import { ChatRepository, type MessageRow } from "./chat.repository.ts";

/**
 * PostgreSQL stores an exchange in one statement that reads its snapshot: a switch of the path
 * that commits while the statement waits for the conversation's row must make it store nothing
 * (ADR 0031). Held here deterministically: another connection holds the row while the send runs.
 */
describe("a send racing a version switch on PostgreSQL", () => {
  let pgdb: TestPostgres;
  let database: Database;
  let chats: ChatRepository;
  beforeAll(async () => {
    pgdb = await createTestPostgres();
    database = openDatabase({ dialect: "postgres", url: pgdb.url, poolSize: 4 });
    await migrateToLatest(database);
    chats = new ChatRepository(database);
  });
  afterAll(async () => {
    await database.close();
    await pgdb.drop();
  });

  const message = (conversationId: string, role: "user" | "assistant"): MessageRow => ({
    id: randomUUID(),
    conversation_id: conversationId,
    position: 0,
    role,
    content: role === "user" ? "Next question" : "",
    status: role === "user" ? "completed" : "streaming",
    model: role === "user" ? null : "fake/fake-model",
    usage: null,
    finish_reason: null,
    error_code: null,
    error_message: null,
    ttft_ms: null,
    duration_ms: null,
    created_at: Date.now(),
    completed_at: null,
    replaced_at: null,
    parent_id: null,
    sources: null,
    idempotency_key: null,
  });

  it("stores nothing when the path changed while it waited, and follows the path otherwise", async () => {
    const { conversationId, messageId } = await seedStreamingAnswer(database.db);
    await chats.finalize(messageId, { status: "completed", content: "Told" });
    const other = new pg.Client({ connectionString: pgdb.url });
    await other.connect();
    try {
      // A switch in progress: it holds the conversation's row and has bumped its path version.
      await other.query("begin");
      await other.query("update conversations set path_version = path_version + 1 where id = $1", [
        conversationId,
      ]);
      const send = chats.insertExchange(
        { user: message(conversationId, "user"), assistant: message(conversationId, "assistant") },
        Date.now(),
      );
      // Until the send's statement waits for the row (each look is a round trip, no timer).
      for (;;) {
        const waiting = await other.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        if (waiting.rows[0]?.n) break;
      }
      await other.query("commit");
      expect(await send).toBe("changed");
    } finally {
      await other.end();
    }
    const db = allTables(database);
    const stored = await db
      .selectFrom("messages")
      .select("id")
      .where("conversation_id", "=", conversationId)
      .execute();
    expect(stored).toHaveLength(2);

    // Sent again on the path as it now is, it follows the answer.
    const user = message(conversationId, "user");
    const again = await chats.insertExchange(
      { user, assistant: message(conversationId, "assistant") },
      Date.now(),
    );
    expect(again).toMatchObject({
      user: { parent_id: messageId, position: 2 },
      assistant: { parent_id: user.id },
    });
    const conversation = await db
      .selectFrom("conversations")
      .select("path_version")
      .where("id", "=", conversationId)
      .executeTakeFirstOrThrow();
    expect(conversation.path_version).toBe(2);
  });
});
