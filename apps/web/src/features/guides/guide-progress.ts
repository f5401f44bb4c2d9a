import type { GuideDraft, GuideStatus, TaskEstimate } from "@parley/contracts";

/**
 * Whole percent of `done` over `total`, rounded down so that 99.6 % never reads as finished;
 * 0 for a guide without tasks.
 * @example
 * percentDone(2, 3) // 66
 */
export function percentDone(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** What a guide's status reads as. */
export const STATUS_LABELS: Record<GuideStatus, string> = {
  not_started: "Not started",
  in_progress: "In progress",
  completed: "Completed",
};

/**
 * A section's heading path as one label; tasks above every heading belong to "Without heading".
 * With the guide's `title`, a path under a top heading that repeats it starts below it.
 * @example
 * sectionLabel(["Release", "Backend"]) // "Release › Backend"
 * sectionLabel(["Release", "Backend"], "Release") // "Backend"
 */
export function sectionLabel(section: readonly string[], title?: string): string {
  const path =
    title !== undefined && section.length > 1 && section[0] === title.trim() ? section.slice(1) : section;
  return path.length === 0 ? "Without heading" : path.join(" › ");
}

/**
 * Minutes as people say them: "45 min", "2 h", "1 h 30 min", "2 d 1 h" (a day is 8 working hours).
 * @example
 * formatMinutes(90) // "1 h 30 min"
 */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  const days = Math.floor(m / 480);
  const hours = Math.floor((m % 480) / 60);
  const rest = m % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
}

/**
 * An estimate as its likeliest figure and its range.
 * @example
 * formatEstimate({ minutes: 90, low: 60, high: 150 }) // "1 h 30 min (1 h–2 h 30 min)"
 */
export function formatEstimate(estimate: TaskEstimate): string {
  if (estimate.low === estimate.high) return formatMinutes(estimate.minutes);
  return `${formatMinutes(estimate.minutes)} (${formatMinutes(estimate.low)}–${formatMinutes(estimate.high)})`;
}

/** The sum of a set of estimates. */
export interface EstimateTotal {
  minutes: number;
  low: number;
  high: number;
  tasks: number;
}

type DraftTask = GuideDraft["sections"][number]["tasks"][number];

/**
 * A drafted task's estimate with its three figures put in order, as the server stores it (a model
 * may swap low and high, or give a likeliest figure outside its own range).
 * @example
 * draftEstimate({ text: "x", estimateMinutes: 120, lowMinutes: 180, highMinutes: 90 }) // { minutes: 120, low: 90, high: 180 }
 */
export function draftEstimate(task: DraftTask): TaskEstimate {
  const [low, minutes, high] = [task.estimateMinutes, task.lowMinutes, task.highMinutes].sort(
    (a, b) => a - b,
  ) as [number, number, number];
  return { minutes, low, high };
}

/**
 * What a drafted guide adds up to, overall and per section, from each task's ordered estimate.
 * @example
 * draftTotals(draft).total.minutes // 240
 */
export function draftTotals(draft: GuideDraft): { total: EstimateTotal; sections: EstimateTotal[] } {
  const sections = draft.sections.map((section) =>
    section.tasks.reduce<EstimateTotal>(
      (sum, t) => {
        const e = draftEstimate(t);
        return {
          minutes: sum.minutes + e.minutes,
          low: sum.low + e.low,
          high: sum.high + e.high,
          tasks: sum.tasks + 1,
        };
      },
      { minutes: 0, low: 0, high: 0, tasks: 0 },
    ),
  );
  const total = sections.reduce<EstimateTotal>(
    (sum, s) => ({
      minutes: sum.minutes + s.minutes,
      low: sum.low + s.low,
      high: sum.high + s.high,
      tasks: sum.tasks + s.tasks,
    }),
    { minutes: 0, low: 0, high: 0, tasks: 0 },
  );
  return { total, sections };
}

/**
 * What the open tasks of a guide still need, by the calibrated estimate where there is one, else
 * the estimate given; tasks without either are counted apart.
 * @example
 * remainingEstimate(guide.tasks) // { minutes: 120, unestimated: 1 }
 */
export function remainingEstimate(
  tasks: readonly {
    status: string;
    estimate: TaskEstimate | null;
    calibratedEstimate: TaskEstimate | null;
  }[],
): { minutes: number; unestimated: number } {
  let minutes = 0;
  let unestimated = 0;
  for (const task of tasks) {
    if (task.status === "done") continue;
    const estimate = task.calibratedEstimate ?? task.estimate;
    if (estimate) minutes += estimate.minutes;
    else unestimated += 1;
  }
  return { minutes, unestimated };
}
