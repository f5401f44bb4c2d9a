import type { Guide, GuideEvent, GuideTask, TaskStatus } from "@parley/contracts";

/**
 * The guide's tasks by the 1-based line of their checkbox, which is where the rendered markdown's
 * task-list item starts. A checkbox the server does not count as a task (one in a block quote,
 * say) has no entry, and renders read-only.
 * @example
 * tasksByLine(guide.tasks).get(3)?.id // the task whose box is on line 3
 */
export function tasksByLine(tasks: readonly GuideTask[]): ReadonlyMap<number, GuideTask> {
  return new Map(tasks.map((task) => [task.line, task]));
}

/** What ticking, starting or reopening a task sends (`PATCH /guides/{id}/tasks/{taskId}`). */
export type TaskChange = { done: boolean } | { status: TaskStatus };

/** What the checkboxes of a rendered guide can do. */
export interface TaskControls {
  byLine: ReadonlyMap<number, GuideTask>;
  /** False for readers without `guides:write`: the boxes show, and cannot change. */
  write: boolean;
  /** The task whose change is on its way. */
  pendingId: string | null;
  onChange: (task: GuideTask, change: TaskChange) => void;
  /** Who a user is, to say who ticked a task; null while the team's member list is on its way. */
  nameOf: (userId: string) => string | null;
}

/**
 * The change a click on a task's checkbox asks for: a ticked box reopens, any other is ticked.
 * @example
 * toggleOf({ status: "in_progress" }) // { done: true }
 */
export function toggleOf(task: Pick<GuideTask, "status">): TaskChange {
  return { done: task.status !== "done" };
}

/**
 * `task` with the change applied, as the screen shows it until the server answers.
 * @example
 * applyChange(task, { done: true }).status // "done"
 */
export function applyChange<T extends Pick<GuideTask, "status">>(task: T, change: TaskChange): T {
  const status: TaskStatus = "done" in change ? (change.done ? "done" : "open") : change.status;
  return { ...task, status };
}

/**
 * Tasks grouped by their section (heading path), in document order, with done and total counts.
 * @example
 * groupBySection(tasks).map((g) => g.section.join(" › "))
 */
export function groupBySection(
  tasks: readonly GuideTask[],
): { key: string; section: readonly string[]; tasks: GuideTask[]; done: number }[] {
  const groups = new Map<
    string,
    { key: string; section: readonly string[]; tasks: GuideTask[]; done: number }
  >();
  for (const task of tasks) {
    const key = JSON.stringify(task.section);
    let group = groups.get(key);
    if (!group) {
      group = { key, section: task.section, tasks: [], done: 0 };
      groups.set(key, group);
    }
    group.tasks.push(task);
    if (task.status === "done") group.done += 1;
  }
  return [...groups.values()];
}

/** `- [ ]`, `* [x]`, `1. [X]`: a list marker, then the checkbox whose mark is group 2. */
const CHECKBOX = /^([ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[)([ xX])(\])/;

/**
 * The markdown with the checkbox on 1-based `line` ticked or cleared, as the server rewrites it;
 * unchanged when that line holds no checkbox.
 * @example
 * markLine("# A\n- [ ] b", 2, true) // "# A\n- [x] b"
 */
export function markLine(markdown: string, line: number, done: boolean): string {
  const lines = markdown.split("\n");
  const text = lines[line - 1];
  if (text === undefined || !CHECKBOX.test(text)) return markdown;
  lines[line - 1] = text.replace(CHECKBOX, (_all, before: string, _mark: string, after: string) =>
    done ? `${before}x${after}` : `${before} ${after}`,
  );
  return lines.join("\n");
}

/**
 * The cached guide with what a `task.changed` event says applied: the task, the guide's summary,
 * its checkbox in the markdown, and the sections' progress counted again from the tasks. A task
 * change touches nothing else, so no read is needed. An event older than the cached copy, or of
 * another guide, changes nothing.
 * @example
 * queryClient.setQueryData(key, patchGuide(cached, event));
 */
export function patchGuide(guide: Guide, event: Extract<GuideEvent, { type: "task.changed" }>): Guide {
  if (event.version <= guide.version || event.guideId !== guide.id) return guide;
  const tasks = guide.tasks.map((t) => (t.id === event.task.id ? event.task : t));
  return {
    ...guide,
    ...event.guide,
    content: markLine(guide.content, event.task.line, event.task.status === "done"),
    tasks,
    sections: groupBySection(tasks).map((g) => ({
      section: [...g.section],
      done: g.done,
      total: g.tasks.length,
    })),
  };
}
