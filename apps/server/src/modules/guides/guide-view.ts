import type { Guide, GuideStatus, GuideSummary, GuideTask, TaskEstimate } from "@parley/contracts";
import { iso } from "../../kernel/ids.ts";
import { actualMinutes, calibrated, type Calibration } from "./guide-estimates.ts";
import type { GuideRow, TaskRow } from "./guides.repository.ts";

/** The status the tasks give a guide: none done, some, or all. */
export function derivedStatus(done: number, total: number, anyStarted: boolean): GuideStatus {
  if (total > 0 && done === total) return "completed";
  return done > 0 || anyStarted ? "in_progress" : "not_started";
}

/** The API's view of a guide without its markdown and tasks. */
export function toGuideSummary(row: GuideRow, tags: readonly string[]): GuideSummary {
  return {
    id: row.id,
    teamId: row.team_id,
    projectId: row.project_id,
    title: row.title,
    description: row.description,
    status: row.status as GuideStatus,
    statusSource: row.status_set === null ? "tasks" : "set",
    tags: [...tags],
    ownerId: row.owner_id,
    version: row.version,
    progress: { done: row.tasks_done, total: row.tasks_total },
    templateId: row.template_id,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    archivedAt: iso(row.archived_at),
  };
}

/** The estimate stored on a task row, if it has one. */
export function estimateOf(row: TaskRow): TaskEstimate | null {
  return row.estimate_minutes === null
    ? null
    : {
        minutes: row.estimate_minutes,
        low: row.estimate_low ?? row.estimate_minutes,
        high: row.estimate_high ?? row.estimate_minutes,
      };
}

/** The API's view of a task. */
export function toGuideTask(row: TaskRow, calibration: Calibration): GuideTask {
  const done = row.done === true || row.done === 1;
  const estimate = estimateOf(row);
  return {
    id: row.id,
    text: row.text,
    status: done ? "done" : row.started_at !== null ? "in_progress" : "open",
    depth: row.depth,
    parentId: row.parent_id,
    section: JSON.parse(row.section) as string[],
    line: row.line,
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
    completedBy: row.completed_by,
    estimate,
    calibratedEstimate: calibrated(estimate, calibration),
    actualMinutes: done ? actualMinutes(row.started_at, row.completed_at) : null,
  };
}

/** The whole guide: summary, markdown, tasks, and progress per section in document order. */
export function toGuide(
  row: GuideRow,
  tags: readonly string[],
  tasks: readonly TaskRow[],
  calibration: Calibration,
): Guide {
  const views = tasks.map((t) => toGuideTask(t, calibration));
  const sections = new Map<string, { section: string[]; done: number; total: number }>();
  for (const task of views) {
    const key = JSON.stringify(task.section);
    const entry = sections.get(key) ?? { section: task.section, done: 0, total: 0 };
    entry.total += 1;
    if (task.status === "done") entry.done += 1;
    sections.set(key, entry);
  }
  return {
    ...toGuideSummary(row, tags),
    content: row.content,
    tasks: views,
    sections: [...sections.values()],
  };
}
