import type { GuideTask } from "@parley/contracts";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { GuideDocument } from "./guide-document.tsx";
import { tasksByLine, type TaskControls } from "./guide-tasks.ts";

const MARKDOWN = [
  "# Ship it", // 1
  "", // 2
  "## Build", // 3
  "- [x] Write the migration", // 4
  "  - [ ] Nested check", // 5
  "- [ ] Add the endpoint", // 6
  "", // 7
  "> - [ ] Quoted, not a task", // 8
  "", // 9
  "```", // 10
  "- [ ] In code, not a task", // 11
  "```", // 12
  "", // 13
  "1. [ ] Loose item", // 14
  "", // 15
  "2. [ ] Second loose item", // 16
].join("\n");

const task = (id: string, text: string, line: number, status: GuideTask["status"] = "open"): GuideTask => ({
  id,
  text,
  status,
  depth: 0,
  parentId: null,
  section: ["Ship it", "Build"],
  line,
  startedAt: null,
  completedAt: null,
  completedBy: null,
  estimate: null,
  calibratedEstimate: null,
  actualMinutes: null,
});

const TASKS = [
  task("t1", "Write the migration", 4, "done"),
  task("t2", "Nested check", 5),
  task("t3", "Add the endpoint", 6, "in_progress"),
  task("t4", "Loose item", 14),
  task("t5", "Second loose item", 16),
];

const render = (controls?: Partial<TaskControls>, title?: string) =>
  renderToStaticMarkup(
    createElement(GuideDocument, {
      content: MARKDOWN,
      ...(title === undefined ? {} : { title }),
      ...(controls
        ? {
            controls: {
              byLine: tasksByLine(TASKS),
              write: true,
              pendingId: null,
              onChange: () => undefined,
              nameOf: () => "you",
              ...controls,
            },
          }
        : {}),
    }),
  );

/** The checkboxes of rendered HTML, in order: their accessible name and whether they can change. */
const boxes = (html: string) =>
  [...html.matchAll(/<input[^>]*type="checkbox"[^>]*>/g)].map(([input]) => ({
    name: /aria-label="([^"]*)"/.exec(input)?.[1],
    checked: input.includes("checked"),
    disabled: input.includes("disabled"),
  }));

describe("a guide's document", () => {
  it("maps each checkbox to its task by line, nested and loose lists included, and leaves boxes that are no task read-only", () => {
    expect(boxes(render({}))).toEqual([
      { name: "Write the migration", checked: true, disabled: false },
      { name: "Nested check", checked: false, disabled: false },
      { name: "Add the endpoint", checked: false, disabled: false },
      // The quoted box is rendered, as the reader wrote it, and cannot change.
      { name: "Not done", checked: false, disabled: true },
      { name: "Loose item", checked: false, disabled: false },
      { name: "Second loose item", checked: false, disabled: false },
    ]);
  });

  it("says a started task is in progress and offers writers to start an open one", () => {
    const html = render({});
    expect(html).toContain("In progress");
    expect(html).toContain('aria-label="Start “Nested check”"');
    expect(html).toContain('aria-label="Stop “Add the endpoint”"');
  });

  it("shows readers every box disabled and no buttons", () => {
    const html = render({ write: false });
    expect(boxes(html).every((b) => b.disabled)).toBe(true);
    expect(html).not.toContain("<button");
  });

  it("renders every box read-only without controls (the editor's preview)", () => {
    expect(boxes(render()).map((b) => [b.name, b.disabled])).toEqual([
      ["Done", true],
      ["Not done", true],
      ["Not done", true],
      ["Not done", true],
      ["Not done", true],
      ["Not done", true],
    ]);
  });

  it("shows the headings below the page's title, without a first heading that repeats it", () => {
    const html = render({}, "Ship it");
    expect(html).not.toContain("Ship it");
    expect(html).toContain("<h3>Build</h3>");
    expect(html).not.toContain("<h1");
  });
});
