import { describe, expect, it } from "vitest";
import { actualMinutes, calibrated, calibrationOf, meanAbsolutePercentError } from "./guide-estimates.ts";

const MIN = 60_000;
const measured = (estimate: number, minutes: number) => ({
  estimate_minutes: estimate,
  started_at: 1_000_000,
  completed_at: 1_000_000 + minutes * MIN,
});

describe("calibration", () => {
  it("is the median ratio of actual to estimated time, once there are three samples", () => {
    expect(calibrationOf([measured(10, 20), measured(10, 20)])).toEqual({ factor: 1, samples: 2 });
    // A task left open for a week does not move the median.
    expect(calibrationOf([measured(10, 20), measured(10, 15), measured(10, 7 * 24 * 60)])).toEqual({
      factor: 2,
      samples: 3,
    });
    expect(
      calibrationOf([measured(10, 5), measured(10, 10), measured(10, 20), measured(10, 40)]).factor,
    ).toBe(1.5);
  });

  it("leaves out tasks ticked within a minute of being started (ticked in passing)", () => {
    expect(calibrationOf([measured(10, 0.2), measured(10, 0.5), measured(10, 0.1)]).samples).toBe(0);
  });

  it("scales an estimate and its range, never below a minute, and only with enough history", () => {
    expect(calibrated({ minutes: 30, low: 20, high: 60 }, { factor: 0.5, samples: 5 })).toEqual({
      minutes: 15,
      low: 10,
      high: 30,
    });
    expect(calibrated({ minutes: 1, low: 1, high: 1 }, { factor: 0.1, samples: 5 })).toEqual({
      minutes: 1,
      low: 1,
      high: 1,
    });
    expect(calibrated({ minutes: 30, low: 20, high: 60 }, { factor: 2, samples: 2 })).toBeNull();
    expect(calibrated(null, { factor: 2, samples: 9 })).toBeNull();
  });

  it("measures durations and the mean absolute percentage error", () => {
    expect(actualMinutes(0, 90 * MIN)).toBe(90);
    expect(actualMinutes(null, 5)).toBeNull();
    expect(actualMinutes(10, 5)).toBeNull();
    expect(
      meanAbsolutePercentError([
        { estimate: 10, actual: 20 },
        { estimate: 30, actual: 20 },
      ]),
    ).toBe(0.5);
    expect(meanAbsolutePercentError([])).toBeNull();
  });
});
