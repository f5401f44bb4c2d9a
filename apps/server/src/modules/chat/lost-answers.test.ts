import { chatTopics } from "@parley/contracts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedStreamingAnswer } from "../../../test/chat/chat-factories.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { TypedBus } from "../../kernel/typed-bus.ts";
import { MemoryBus } from "../../platform/bus/memory-bus.ts";
import { systemClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database } from "../../platform/db/database.ts";
import { appendReliably } from "./answer-log.ts";
import { ChatRepository } from "./chat.repository.ts";
import { failAnswersLeftStreaming, failLostAnswer, finalizeFailed } from "./lost-answers.ts";

let database: Database;
let chats: ChatRepository;
let raw: MemoryBus;
let bus: TypedBus;
const logger = pino({ level: "silent" });
beforeAll(async () => {
  database = openDatabase({
    dialect: "sqlite",
    file: join(mkdtempSync(join(tmpdir(), "parley-lost-")), "p.db"),
  });
  await migrateToLatest(database);
  chats = new ChatRepository(database);
  raw = new MemoryBus({});
  bus = new TypedBus({ bus: raw, malformed: { inc: () => undefined }, logger });
});
afterAll(async () => {
  await raw.close();
  await database.close();
});

const deps = () => ({ chats, bus, clock: systemClock, logger });
const logged = async (conversationId: string) =>
  (await bus.read(chatTopics.answerLog(conversationId), { afterSeq: 0 })).map((e) => e.data);
const stored = async (id: string) => {
  const row = await chats.findMessage(id);
  if (!row) throw new Error(`no message ${id}`);
  return row;
};

describe("answers of a dead process", () => {
  it("start-up recovery fails every answer left streaming, keeps its stored text and tells the log", async () => {
    const a = await seedStreamingAnswer(database.db, { content: "The first half of" });
    const b = await seedStreamingAnswer(database.db);
    expect(await failAnswersLeftStreaming(deps())).toBeGreaterThanOrEqual(2);
    expect(await stored(a.messageId)).toMatchObject({
      status: "failed",
      content: "The first half of",
      error_code: "worker.lost",
    });
    expect((await stored(b.messageId)).status).toBe("failed");
    expect(await chats.staleStreaming(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    expect(await logged(a.conversationId)).toEqual([
      {
        type: "message.failed",
        messageId: a.messageId,
        error: { code: "worker.lost", message: expect.stringContaining("restarted") as string },
      },
    ]);
  });

  it("a finalizer that comes after recovery changes nothing, and recovery leaves an ended answer alone", async () => {
    const late = await seedStreamingAnswer(database.db, { content: "Partial" });
    await failAnswersLeftStreaming(deps());
    // The dead worker's last write, landing late: neither its progress nor its completion applies.
    expect(await chats.saveProgress(late.messageId, "Partial and more")).toBe(false);
    expect(await chats.finalize(late.messageId, { content: "Partial and more.", status: "completed" })).toBe(
      false,
    );
    expect(await stored(late.messageId)).toMatchObject({ status: "failed", content: "Partial" });

    const done = await seedStreamingAnswer(database.db);
    await chats.finalize(done.messageId, { content: "Done.", status: "completed" });
    expect(await failAnswersLeftStreaming(deps())).toBe(0);
    expect(await stored(done.messageId)).toMatchObject({ status: "completed", content: "Done." });
    expect(await logged(done.conversationId)).toEqual([]);
  });

  it("a lost answer takes the log's text when the log holds more than the stored progress", async () => {
    const { conversationId, messageId } = await seedStreamingAnswer(database.db, { content: "One " });
    const topic = chatTopics.answerLog(conversationId);
    for (const [index, text] of ["One ", "two ", "three"].entries()) {
      await appendReliably(bus, topic, { type: "message.delta", messageId, index, text });
    }
    expect(await failLostAnswer(deps(), await stored(messageId))).toBe(true);
    expect(await stored(messageId)).toMatchObject({ status: "failed", content: "One two three" });
  });

  it("a lost answer keeps its stored progress when the log no longer holds its deltas", async () => {
    const { messageId } = await seedStreamingAnswer(database.db, { content: "Kept text" });
    expect(await failLostAnswer(deps(), await stored(messageId))).toBe(true);
    expect(await stored(messageId)).toMatchObject({ status: "failed", content: "Kept text" });
  });

  it("fails an answer once: a second failure neither writes nor tells the log again", async () => {
    const { conversationId, messageId } = await seedStreamingAnswer(database.db);
    const row = await stored(messageId);
    expect(await finalizeFailed(deps(), row, "worker.lost", "lost", "abc")).toBe(true);
    expect(await finalizeFailed(deps(), row, "upstream.error", "other", "abcdef")).toBe(false);
    expect(await stored(messageId)).toMatchObject({ error_code: "worker.lost", content: "abc" });
    expect((await logged(conversationId)).length).toBe(1);
  });
});
