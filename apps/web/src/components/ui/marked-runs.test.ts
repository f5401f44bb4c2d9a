import { describe, expect, it } from "vitest";
import { markedRuns } from "./marked-runs.ts";

describe("marked runs", () => {
  it("cuts the text at the ranges, in order", () => {
    expect(markedRuns("a kafka b", [{ start: 2, end: 7 }])).toEqual([
      { text: "a ", marked: false },
      { text: "kafka", marked: true },
      { text: " b", marked: false },
    ]);
  });

  it("leaves out ranges outside the text, empty or overlapping, and keeps markup as text", () => {
    const text = "<img src=x onerror=alert(1)> x";
    expect(
      markedRuns(text, [
        { start: 29, end: 30 },
        { start: 0, end: 4 },
        { start: 2, end: 6 },
        { start: 5, end: 5 },
        { start: 28, end: 99 },
      ]),
    ).toEqual([
      { text: "<img", marked: true },
      { text: " src=x onerror=alert(1)> ", marked: false },
      { text: "x", marked: true },
    ]);
  });
});
