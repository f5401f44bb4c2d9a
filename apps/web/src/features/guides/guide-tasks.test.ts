import type { Guide, GuideTask } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { applyChange, groupBySection, markLine, patchGuide, tasksByLine, toggleOf } from "./guide-tasks.ts";

const task = (
  id: string,
  line: number,
  section: string[],
  status: GuideTask["status"] = "open",
): GuideTask => ({
  id,
  text: id,
  status,
  depth: 0,
  parentId: null,
  section,
  line,
  startedAt: null,
  completedAt: null,
  completedBy: null,
  estimate: null,
  calibratedEstimate: null,
  actualMinutes: null,
});

describe("guide tasks", () => {
  it("finds each checkbox's task by the line its list item starts on, and none for a box that is no task", () => {
    const byLine = tasksByLine([task("a", 3, ["Build"]), task("b", 4, ["Build"]), task("c", 9, ["Ship"])]);
    expect(byLine.get(3)?.id).toBe("a");
    expect(byLine.get(9)?.id).toBe("c");
    // A `- [ ]` in a block quote on line 6 is not a task: it stays read-only.
    expect(byLine.get(6)).toBeUndefined();
  });

  it("ticks an open or started task and reopens a done one", () => {
    expect(toggleOf({ status: "open" })).toEqual({ done: true });
    expect(toggleOf({ status: "in_progress" })).toEqual({ done: true });
    expect(toggleOf({ status: "done" })).toEqual({ done: false });
    expect(applyChange(task("a", 1, []), { done: true }).status).toBe("done");
    expect(applyChange(task("a", 1, [], "done"), { done: false }).status).toBe("open");
    expect(applyChange(task("a", 1, []), { status: "in_progress" }).status).toBe("in_progress");
  });

  it("groups tasks by section in document order with their done counts", () => {
    const groups = groupBySection([
      task("a", 1, []),
      task("b", 3, ["Build"], "done"),
      task("c", 4, ["Build"]),
      task("d", 6, ["Ship"], "done"),
    ]);
    expect(groups.map((g) => [g.section, g.tasks.length, g.done])).toEqual([
      [[], 1, 0],
      [["Build"], 2, 1],
      [["Ship"], 1, 1],
    ]);
  });

  it("ticks and clears the checkbox of one line of the markdown, and nothing else", () => {
    const md = "# Ship\n- [ ] a\n  1. [X] b\n`- [ ] code`";
    expect(markLine(md, 2, true)).toBe("# Ship\n- [x] a\n  1. [X] b\n`- [ ] code`");
    expect(markLine(md, 3, false)).toBe("# Ship\n- [ ] a\n  1. [ ] b\n`- [ ] code`");
    expect(markLine(md, 1, true)).toBe(md);
    expect(markLine(md, 9, true)).toBe(md);
  });

  it("applies a task event to the cached guide: task, summary, markdown and section progress", () => {
    const a = task("a", 2, ["Build"]);
    const b = task("b", 3, ["Build"]);
    const guide = {
      id: "g",
      version: 4,
      title: "Ship",
      content: "## Build\n- [ ] a\n- [ ] b\n",
      tasks: [a, b],
      sections: [{ section: ["Build"], done: 0, total: 2 }],
      progress: { done: 0, total: 2 },
      status: "not_started",
    } as unknown as Guide;
    const summary = { ...guide, version: 5, progress: { done: 1, total: 2 }, status: "in_progress" } as Guide;
    const event = {
      type: "task.changed" as const,
      teamId: "t",
      guideId: "g",
      version: 5,
      task: { ...a, status: "done" as const },
      guide: summary,
    };
    const next = patchGuide(guide, event);
    expect(next.version).toBe(5);
    expect(next.status).toBe("in_progress");
    expect(next.content).toBe("## Build\n- [x] a\n- [ ] b\n");
    expect(next.tasks.map((t) => t.status)).toEqual(["done", "open"]);
    expect(next.sections).toEqual([{ section: ["Build"], done: 1, total: 2 }]);
    // An event the cached copy is already past is ignored.
    expect(patchGuide(next, event)).toBe(next);
  });
});
