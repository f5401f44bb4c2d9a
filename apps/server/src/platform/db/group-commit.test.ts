import { describe, expect, it } from "vitest";
import { AppendQueue } from "./group-commit.ts";

describe("AppendQueue", () => {
  it("writes what arrives in one turn together, and what arrived while a batch was being written as the next batch, in order", async () => {
    const batches: number[][] = [];
    const queue = new AppendQueue<number, string>(async (items) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map((n) => `#${n}`);
    }, 3);
    const first = Promise.all([1, 2].map((n) => queue.enqueue(n)));
    await new Promise((resolve) => setTimeout(resolve, 1));
    // Batch [1, 2] is being written: these wait, then go in batches of at most 3.
    const results = await Promise.all([first, ...[3, 4, 5, 6, 7].map((n) => queue.enqueue(n))]);
    expect(results.flat()).toEqual(["#1", "#2", "#3", "#4", "#5", "#6", "#7"]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    expect(await queue.enqueue(8)).toBe("#8");
  });

  it("keeps one failing item from failing the rest of its batch", async () => {
    const queue = new AppendQueue<number, number>(async (items) => {
      await Promise.resolve();
      if (items.includes(3)) throw new Error("bad item 3");
      return items.map((n) => n * 10);
    }, 10);
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => queue.enqueue(n)));
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      "bad item 3",
      40,
    ]);
  });
});
