import { describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "./clock.ts";

describe("ManualClock", () => {
  it("stands still until advanced, then moves by exactly the given amount", () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    clock.advance(0);
    expect(clock.now()).toBe(1_250);
  });

  it("starts at the current time by default", () => {
    const before = Date.now();
    const now = new ManualClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe("systemClock", () => {
  it("reads the wall clock", () => {
    const before = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
  });
});
