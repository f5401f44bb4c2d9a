import type { GuideDraft } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import {
  draftEstimate,
  draftTotals,
  formatEstimate,
  formatMinutes,
  percentDone,
  remainingEstimate,
  sectionLabel,
} from "./guide-progress.ts";

describe("guide progress", () => {
  it("rounds down so that a guide reads finished only when every task is done", () => {
    expect(percentDone(2, 3)).toBe(66);
    expect(percentDone(999, 1000)).toBe(99);
    expect(percentDone(4, 4)).toBe(100);
    expect(percentDone(0, 0)).toBe(0);
  });

  it("names a section by its heading path, and the tasks above every heading", () => {
    expect(sectionLabel(["Release", "Backend"])).toBe("Release › Backend");
    expect(sectionLabel([])).toBe("Without heading");
    // Under a top heading that repeats the guide's title, the path starts below it.
    expect(sectionLabel(["Release", "Backend"], "Release")).toBe("Backend");
    expect(sectionLabel(["Release"], "Release")).toBe("Release");
  });

  it("words minutes, hours and working days", () => {
    expect(formatMinutes(45)).toBe("45 min");
    expect(formatMinutes(120)).toBe("2 h");
    expect(formatMinutes(90)).toBe("1 h 30 min");
    expect(formatMinutes(540)).toBe("1 d 1 h");
    expect(formatEstimate({ minutes: 90, low: 60, high: 150 })).toBe("1 h 30 min (1 h–2 h 30 min)");
    expect(formatEstimate({ minutes: 30, low: 30, high: 30 })).toBe("30 min");
  });

  it("adds a draft's estimates per section and overall, ordering each task's figures as the server stores them", () => {
    const draft: GuideDraft = {
      title: "CSV export",
      description: "",
      sections: [
        {
          heading: "Backend",
          tasks: [
            { text: "Endpoint", estimateMinutes: 90, lowMinutes: 60, highMinutes: 150 },
            { text: "Stream rows", estimateMinutes: 120, lowMinutes: 180, highMinutes: 90 },
            { text: "Outside its range", estimateMinutes: 200, lowMinutes: 60, highMinutes: 150 },
          ],
        },
        {
          heading: "Frontend",
          tasks: [{ text: "Button", estimateMinutes: 30, lowMinutes: 20, highMinutes: 45 }],
        },
      ],
    };
    const totals = draftTotals(draft);
    expect(totals.sections).toEqual([
      { minutes: 360, low: 210, high: 530, tasks: 3 },
      { minutes: 30, low: 20, high: 45, tasks: 1 },
    ]);
    expect(totals.total).toEqual({ minutes: 390, low: 230, high: 575, tasks: 4 });
    expect(draftEstimate({ text: "x", estimateMinutes: 200, lowMinutes: 60, highMinutes: 150 })).toEqual({
      minutes: 150,
      low: 60,
      high: 200,
    });
  });

  it("counts what the open tasks still need, preferring the calibrated estimate", () => {
    const e = (minutes: number) => ({ minutes, low: minutes, high: minutes });
    expect(
      remainingEstimate([
        { status: "done", estimate: e(60), calibratedEstimate: null },
        { status: "open", estimate: e(60), calibratedEstimate: e(90) },
        { status: "in_progress", estimate: e(30), calibratedEstimate: null },
        { status: "open", estimate: null, calibratedEstimate: null },
      ]),
    ).toEqual({ minutes: 120, unestimated: 1 });
  });
});
