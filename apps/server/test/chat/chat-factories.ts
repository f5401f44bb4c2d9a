import type { Insertable, Kysely } from "kysely";
import { randomUUID } from "node:crypto";
import type { AllTables as Tables } from "../all-tables.ts";
import type { MessagesTable } from "../../src/modules/chat/chat.tables.ts";

type MessageInsert = Insertable<MessagesTable>;

/**
 * A message row to store straight in the database: a completed user message at position 0, one of
 * the conversation's first messages (no `parent_id`), unless `fields` say otherwise.
 * @example
 * buildMessage({ conversation_id: id, position: 1, role: "assistant", status: "streaming" })
 */
export function buildMessage(
  fields: Pick<MessageInsert, "conversation_id"> & Partial<MessageInsert>,
): MessageInsert {
  const now = Date.now();
  return {
    id: randomUUID(),
    position: 0,
    role: "user",
    content: "",
    status: "completed",
    model: null,
    usage: null,
    finish_reason: null,
    error_code: null,
    error_message: null,
    ttft_ms: null,
    duration_ms: null,
    created_at: now,
    completed_at: now,
    replaced_at: null,
    ...fields,
  };
}

/**
 * Stores a conversation of `exchanges` completed question/answer pairs straight in the database,
 * for tests that need long histories (thousands of messages) without generating each answer.
 * Message n's text is `Question n` or `Answer n`, so a test can find any of them.
 * @example
 * const id = await seedConversation(parley.platform.database.db, { userId, exchanges: 1000 });
 */
export async function seedConversation(
  db: Kysely<Tables>,
  options: { userId: string; exchanges: number; title?: string; model?: string },
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  const model = options.model ?? "fake/fake-model";
  await db
    .insertInto("conversations")
    .values({
      id,
      user_id: options.userId,
      team_id: null,
      title: options.title ?? `Long conversation (${options.exchanges * 2} messages)`,
      model,
      created_at: now,
      updated_at: now,
    })
    .execute();
  let parent: string | null = null;
  const rows = Array.from({ length: options.exchanges * 2 }, (_, position) => {
    const user = position % 2 === 0;
    const n = Math.floor(position / 2) + 1;
    const createdAt = now - (options.exchanges * 2 - position) * 1000;
    const row = buildMessage({
      conversation_id: id,
      parent_id: parent,
      position,
      role: user ? "user" : "assistant",
      content: user
        ? `Question ${n}`
        : `Answer ${n}: ${"a fairly long line of text that wraps on narrow screens ".repeat((n % 4) + 1)}`,
      model: user ? null : model,
      finish_reason: user ? null : "stop",
      ttft_ms: user ? null : 20,
      duration_ms: user ? null : 400,
      created_at: createdAt,
      completed_at: createdAt,
    });
    parent = row.id;
    return row;
  });
  // SQLite caps bound parameters per statement; insert in slices.
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto("messages")
      .values(rows.slice(i, i + 200))
      .execute();
  }
  return id;
}

/**
 * Stores a user, their conversation and an answer still `streaming` with `content` stored so far,
 * straight in the database: what a process that died mid-answer leaves behind.
 * @example
 * const { messageId } = await seedStreamingAnswer(database.db, { content: "Half an ans" });
 */
export async function seedStreamingAnswer(
  db: Kysely<Tables>,
  options: { content?: string } = {},
): Promise<{ conversationId: string; messageId: string }> {
  const now = Date.now();
  const userId = randomUUID();
  await db
    .insertInto("users")
    .values({
      id: userId,
      email: `${userId}@parley.test`,
      name: "Seeded",
      password_hash: null,
      global_role: "developer",
      status: "active",
      created_at: now,
      updated_at: now,
      last_login_at: null,
    })
    .execute();
  const conversationId = randomUUID();
  await db
    .insertInto("conversations")
    .values({
      id: conversationId,
      user_id: userId,
      team_id: null,
      title: "Interrupted",
      model: "fake/fake-model",
      created_at: now,
      updated_at: now,
    })
    .execute();
  const question = buildMessage({ conversation_id: conversationId, content: "Tell me" });
  const answer = buildMessage({
    conversation_id: conversationId,
    parent_id: question.id,
    position: 1,
    role: "assistant",
    status: "streaming",
    content: options.content ?? "",
    model: "fake/fake-model",
    completed_at: null,
  });
  await db.insertInto("messages").values([question, answer]).execute();
  return { conversationId, messageId: answer.id };
}
