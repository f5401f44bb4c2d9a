import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedStreamingAnswer } from "../../../test/chat/chat-factories.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database } from "../../platform/db/database.ts";
import { AnswerProgress, PROGRESS_INTERVAL_MS } from "./answer-progress.ts";
import { ChatRepository } from "./chat.repository.ts";

let database: Database;
let chats: ChatRepository;
beforeAll(async () => {
  database = openDatabase({
    dialect: "sqlite",
    file: join(mkdtempSync(join(tmpdir(), "parley-progress-")), "p.db"),
  });
  await migrateToLatest(database);
  chats = new ChatRepository(database);
});
afterAll(async () => {
  await database.close();
});

async function progressOf(clock: ManualClock) {
  const { messageId } = await seedStreamingAnswer(database.db);
  const errors: unknown[] = [];
  const progress = new AnswerProgress({ chats, clock, messageId, onError: (e) => errors.push(e) });
  const stored = async () => (await chats.findMessage(messageId))?.content;
  return { messageId, progress, stored, errors };
}

describe("answer progress", () => {
  it("stores nothing until the interval has passed, then the text offered", async () => {
    const clock = new ManualClock();
    const { progress, stored, errors } = await progressOf(clock);
    progress.offer("Hel");
    clock.advance(PROGRESS_INTERVAL_MS - 1);
    progress.offer("Hello");
    await progress.settled();
    expect(await stored()).toBe("");
    clock.advance(1);
    progress.offer("Hello, wor");
    await progress.settled();
    expect(await stored()).toBe("Hello, wor");
    expect(errors).toEqual([]);
  });

  it("writes at most once per interval however many chunks arrive", async () => {
    const clock = new ManualClock();
    const { messageId } = await progressOf(clock);
    const writes: string[] = [];
    const counting = new AnswerProgress({
      chats: { saveProgress: (id, text) => (writes.push(text), chats.saveProgress(id, text)) },
      clock,
      messageId,
      onError: () => undefined,
    });
    let text = "";
    // 100 chunks 10 ms apart: one second of streaming.
    for (let i = 0; i < 100; i++) {
      text += `w${i} `;
      clock.advance(10);
      counting.offer(text);
      await counting.settled();
    }
    expect(writes.length).toBe(1_000 / PROGRESS_INTERVAL_MS);
  });

  it("keeps one write in flight: an offer while one is pending is skipped, the next one stores the newer text", async () => {
    const clock = new ManualClock();
    const { progress, stored } = await progressOf(clock);
    clock.advance(PROGRESS_INTERVAL_MS);
    progress.offer("one");
    clock.advance(PROGRESS_INTERVAL_MS);
    progress.offer("one two"); // the first write has not settled yet
    await progress.settled();
    expect(await stored()).toBe("one");
    progress.offer("one two three");
    await progress.settled();
    expect(await stored()).toBe("one two three");
  });

  it("never overwrites an answer that has ended: a late progress write changes nothing", async () => {
    const clock = new ManualClock();
    const { messageId, progress, stored } = await progressOf(clock);
    expect(await chats.finalize(messageId, { content: "The whole answer.", status: "completed" })).toBe(true);
    clock.advance(PROGRESS_INTERVAL_MS);
    progress.offer("The whole");
    await progress.settled();
    expect(await stored()).toBe("The whole answer.");
    expect((await chats.findMessage(messageId))?.status).toBe("completed");
  });
});
