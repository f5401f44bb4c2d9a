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
import { MemoryRegistryStore } from "../../platform/registry/memory-registry.ts";
import { chatKeys } from "./chat.keys.ts";
import {
  failAnswersLeftStreaming,
  failLostAnswer,
  finalizeFailed,
  startLostWorkerSweep,
} from "./lost-answers.ts";

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

  it("a lost answer generated again takes only the new text, under new dedupe ids", async () => {
    const { conversationId, messageId } = await seedStreamingAnswer(database.db);
    const topic = chatTopics.answerLog(conversationId);
    for (const [index, text] of ["Old ", "text ", "lost"].entries())
      await appendReliably(bus, topic, { type: "message.delta", messageId, index, text });
    await appendReliably(bus, topic, { type: "message.restarted", messageId, reason: "lost" }, 2);
    for (const [index, text] of ["New ", "answer"].entries())
      await appendReliably(bus, topic, { type: "message.delta", messageId, index, text }, 2);
    expect((await logged(conversationId)).filter((e) => e.type === "message.delta")).toHaveLength(5);
    expect(await failLostAnswer(deps(), await stored(messageId))).toBe(true);
    expect(await stored(messageId)).toMatchObject({ status: "failed", content: "New answer" });
  });

  it("the sweep enqueues a lost answer's job again once, and fails it when it is lost again", async () => {
    const store = new MemoryRegistryStore();
    const cache = store.cache;
    const first = await seedStreamingAnswer(database.db, { content: "Half" });
    const job = {
      v: 1 as const,
      conversationId: first.conversationId,
      assistantMessageId: first.messageId,
      userId: "u1",
      model: "fake/fake-model",
      requestId: null,
    };
    const jobs: string[] = [];
    const consumer = await bus.consume(
      chatTopics.generate,
      (delivered) => {
        jobs.push(delivered.id);
        return Promise.resolve();
      },
      { concurrency: 1, ackWaitMs: 10_000, maxAttempts: 1 },
    );
    // Started by a worker whose lease is gone, with its job's copy kept.
    await cache.set(chatKeys.started(first.messageId), "dead-worker", 60_000);
    await cache.set(chatKeys.job(first.messageId), job, 60_000);
    // The second was generated again already and lost again.
    const second = await seedStreamingAnswer(database.db, { content: "Again" });
    await cache.set(chatKeys.started(second.messageId), "dead-worker", 60_000);
    await cache.set(chatKeys.retried(second.messageId), "dead-retry", 60_000);
    await cache.set(chatKeys.job(second.messageId), { ...job, assistantMessageId: second.messageId }, 60_000);
    // Both look stale to the sweep: its lease window is measured from their creation.
    const clock = { ...systemClock, now: () => Date.now() + 60_000 };
    const stop = startLostWorkerSweep({ chats, bus, clock, cache, logger }, 10);
    try {
      await expect.poll(() => jobs, { timeout: 5_000 }).toContain(`${first.messageId}:retry`);
      await expect
        .poll(async () => (await stored(second.messageId)).status, { timeout: 5_000 })
        .toBe("failed");
    } finally {
      stop();
      await consumer.close();
      await store.close();
    }
    expect((await stored(first.messageId)).status).toBe("streaming");
    expect(jobs.filter((id) => id === `${first.messageId}:retry`)).toHaveLength(1);
    expect(await stored(second.messageId)).toMatchObject({ error_code: "worker.lost", content: "Again" });
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
