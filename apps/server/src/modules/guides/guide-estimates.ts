import type { TaskEstimate } from "@parley/contracts";

/** Calibration needs at least this many finished, estimated and timed tasks of the team. */
export const MIN_CALIBRATION_SAMPLES = 3;
/** It learns from the team's most recent finished tasks, this many at most. */
export const CALIBRATION_WINDOW = 200;

/** How a team's estimates compare with what its tasks took: actual over estimated minutes. */
export interface Calibration {
  /** The median of actual ÷ estimated minutes (1 without history). */
  readonly factor: number;
  readonly samples: number;
}

/** One finished task: what it was estimated at, and when it was started and ticked (ms). */
export interface MeasuredTask {
  readonly estimate_minutes: number;
  readonly started_at: number;
  readonly completed_at: number;
}

/** Minutes between a task's start and its tick, to a tenth of a minute. */
export function actualMinutes(startedAt: number | null, completedAt: number | null): number | null {
  if (startedAt === null || completedAt === null || completedAt < startedAt) return null;
  return Math.round((completedAt - startedAt) / 6_000) / 10;
}

/**
 * The team's calibration from its finished tasks: the median ratio of actual to estimated time
 * (the median, so one task left open over a weekend does not skew it). Tasks ticked less than a
 * minute after being started are left out: they were ticked in passing, not worked on.
 */
export function calibrationOf(tasks: readonly MeasuredTask[]): Calibration {
  const ratios = tasks
    .map((t) => {
      const actual = actualMinutes(t.started_at, t.completed_at);
      return actual !== null && actual >= 1 && t.estimate_minutes > 0 ? actual / t.estimate_minutes : null;
    })
    .filter((r): r is number => r !== null)
    .sort((a, b) => a - b);
  if (ratios.length < MIN_CALIBRATION_SAMPLES) return { factor: 1, samples: ratios.length };
  const mid = Math.floor(ratios.length / 2);
  const median = ratios.length % 2 ? (ratios[mid] ?? 1) : ((ratios[mid - 1] ?? 1) + (ratios[mid] ?? 1)) / 2;
  return { factor: Math.round(median * 100) / 100, samples: ratios.length };
}

/** An estimate scaled by the team's calibration; null without enough history to learn from. */
export function calibrated(estimate: TaskEstimate | null, calibration: Calibration): TaskEstimate | null {
  if (!estimate || calibration.samples < MIN_CALIBRATION_SAMPLES) return null;
  const scale = (m: number) => Math.max(1, Math.round(m * calibration.factor));
  return { minutes: scale(estimate.minutes), low: scale(estimate.low), high: scale(estimate.high) };
}

/**
 * The mean absolute error of estimates against actual durations, relative to the actual ones
 * (MAPE, as a fraction: 0.25 is 25 %); null without a measured task.
 */
export function meanAbsolutePercentError(
  tasks: readonly { estimate: number; actual: number }[],
): number | null {
  const measured = tasks.filter((t) => t.actual > 0);
  if (!measured.length) return null;
  const sum = measured.reduce((acc, t) => acc + Math.abs(t.estimate - t.actual) / t.actual, 0);
  return Math.round((sum / measured.length) * 1000) / 1000;
}
