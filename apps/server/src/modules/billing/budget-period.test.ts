import { describe, expect, it } from "vitest";
import { monthKey, periodStart } from "./budget-period.ts";

const at = (iso: string) => Date.parse(iso);

describe("budget periods (UTC)", () => {
  it("starts a day at midnight UTC", () => {
    expect(periodStart("day", at("2026-12-06T23:59:59.999Z"))).toBe(at("2026-12-06T00:00:00Z"));
  });
  it("starts a week on Monday, Sundays included in the week before", () => {
    expect(periodStart("week", at("2026-12-06T13:00:00Z"))).toBe(at("2026-11-30T00:00:00Z"));
    expect(periodStart("week", at("2026-12-07T00:00:00Z"))).toBe(at("2026-12-07T00:00:00Z"));
  });
  it("starts a month on the first, across a year's end", () => {
    expect(periodStart("month", at("2026-12-31T23:00:00Z"))).toBe(at("2026-12-01T00:00:00Z"));
    expect(periodStart("month", at("2027-01-01T00:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(monthKey(at("2027-01-01T00:00:00Z"))).toBe("2027-01");
  });
});
