import { describe, expect, it } from "vitest";
import { costText, daysOf, lastDays, toQuery } from "./report-range.ts";

describe("report ranges", () => {
  it("turns whole days into an instant range with an exclusive end, swapping a reversed one", () => {
    expect(toQuery({ from: "2026-12-01", to: "2026-12-03" })).toEqual({
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-04T00:00:00.000Z",
    });
    expect(toQuery({ from: "2026-12-03", to: "2026-12-01" })).toEqual(
      toQuery({ from: "2026-12-01", to: "2026-12-03" }),
    );
    expect(toQuery({ from: "", to: "" })).toEqual({});
    expect(lastDays(14, Date.parse("2026-12-14T10:00:00Z"))).toEqual({
      from: "2026-12-01",
      to: "2026-12-14",
    });
    expect(daysOf({ from: "2026-12-30", to: "2027-01-02" })).toEqual([
      "2026-12-30",
      "2026-12-31",
      "2027-01-01",
      "2027-01-02",
    ]);
  });

  it("says no price set instead of $0", () => {
    expect(costText(0, 3, 3)).toBe("no price set");
    expect(costText(0.5, 3, 1)).toBe("$0.5000 + 1 unpriced");
    expect(costText(0, 0, 0)).toBe("$0.0000");
    expect(costText(0.0000195, 1, 0)).toBe("< $0.0001");
  });
});
