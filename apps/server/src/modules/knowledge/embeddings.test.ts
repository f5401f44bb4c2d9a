import { describe, expect, it } from "vitest";
import { batches } from "./embeddings.ts";

describe("batches", () => {
  it("cuts passages into runs of at most 64 and of at most the characters a call may carry", () => {
    expect(
      batches(
        Array.from({ length: 130 }, () => "x"),
        100_000,
      ),
    ).toEqual([
      [0, 64],
      [64, 128],
      [128, 130],
    ]);
    // 10 characters and a separator each: three fit in 35.
    expect(
      batches(
        Array.from({ length: 7 }, () => "y".repeat(10)),
        35,
      ),
    ).toEqual([
      [0, 3],
      [3, 6],
      [6, 7],
    ]);
  });

  it("gives a passage longer than the limit a run of its own, and nothing for no passages", () => {
    expect(batches(["short", "z".repeat(50), "short"], 20)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(batches([], 10)).toEqual([]);
  });
});
