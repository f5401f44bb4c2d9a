import { describe, expect, it } from "vitest";
import { RRF_K, fuseByRank } from "./rank-fusion.ts";

const list = (...items: [string, number][]) => items.map(([chunkId, score]) => ({ chunkId, score }));

describe("fuseByRank", () => {
  it("scores each item by the sum of 1 / (60 + rank) over the lists it is in", () => {
    const fused = fuseByRank([list(["a", 9], ["b", 5], ["c", 1]), list(["c", 0.9], ["a", 0.5])]);
    expect(fused.map((f) => f.chunkId)).toEqual(["a", "c", "b"]);
    expect(fused[0]?.score).toBeCloseTo(1 / (RRF_K + 1) + 1 / (RRF_K + 2), 12);
    expect(fused[1]?.score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1), 12);
    expect(fused[2]?.score).toBeCloseTo(1 / (RRF_K + 2), 12);
  });

  it("gives tied scores one rank, so another list breaks the tie", () => {
    const keyword = list(["a", 2.5], ["b", 2.5], ["c", 1]);
    const vector = list(["b", 0.8], ["a", 0.7], ["c", 0.1]);
    const fused = fuseByRank([keyword, vector]);
    expect(fused.map((f) => f.chunkId)).toEqual(["b", "a", "c"]);
    // c shares no tie: third in the keyword list, third by vector.
    expect(fused[2]?.score).toBeCloseTo(2 / (RRF_K + 3), 12);
  });

  it("orders equal fused scores by best single rank, then id, and takes empty lists", () => {
    expect(
      fuseByRank([list(["x", 1], ["y", 0.5]), list(["y", 1], ["x", 0.5])]).map((f) => f.chunkId),
    ).toEqual(["x", "y"]);
    expect(fuseByRank([[], list(["z", 1])])).toEqual([{ chunkId: "z", score: 1 / (RRF_K + 1) }]);
    expect(fuseByRank([])).toEqual([]);
  });
});
