import type { DecisionSummary } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { dayBars, shortFingerprint } from "./decision-summary.ts";

describe("the decisions chart", () => {
  it("draws every day of the range, stacking only the actions that occur, in a fixed order", () => {
    const summary: DecisionSummary = {
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-03T12:00:00.000Z",
      byDay: [
        { day: "2026-12-03", action: "deny", count: 1 },
        { day: "2026-12-01", action: "block", count: 2 },
        { day: "2026-12-03", action: "block", count: 3 },
      ],
      byRule: [],
      byTeam: [],
    };
    expect(dayBars(summary)).toEqual({
      series: ["block", "deny"],
      bars: [
        { label: "12-01", values: [2, 0] },
        { label: "12-02", values: [0, 0] },
        { label: "12-03", values: [3, 1] },
      ],
    });
  });

  it("leaves out the empty days before the first decision, keeping at least a week", () => {
    const summary: DecisionSummary = {
      from: "2026-11-06T00:00:00.000Z",
      to: "2026-12-06T08:00:00.000Z",
      byDay: [{ day: "2026-12-06", action: "block", count: 1 }],
      byRule: [],
      byTeam: [],
    };
    const { bars } = dayBars(summary);
    expect(bars.map((b) => b.label)).toEqual(["11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06"]);
    expect(
      dayBars({ ...summary, byDay: [{ day: "2026-11-20", action: "block", count: 1 }] }).bars,
    ).toHaveLength(17);
  });

  it("shortens a fingerprint to 8 characters", () => {
    expect(shortFingerprint("sha256:0123456789abcdef")).toBe("01234567");
    expect(shortFingerprint("abcdef0123456789")).toBe("abcdef01");
  });
});
