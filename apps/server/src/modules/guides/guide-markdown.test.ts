import { describe, expect, it } from "vitest";
import { parseGuide, setTaskChecked } from "./guide-markdown.ts";

const GUIDE = `# Ship the invoice export

Intro with a fake box: [ ] not a task.

## Backend
- [x] Add the export endpoint
- [ ] Stream rows as CSV
  - [ ] Escape quotes
  - [X] Handle empty results
- plain item, no box

\`\`\`md
- [ ] inside a code fence
\`\`\`

> - [ ] inside a quote

~~~
* [x] another fence
~~~

## Frontend
1. [ ] Download button
2) [x] Progress while it downloads
    - [ ] Nested under an ordered task

### Tests
* [ ] Browser test with **bold** and \`code\`
`;

describe("parseGuide", () => {
  const { tasks, sections } = parseGuide(GUIDE);

  it("finds only the task-list items of the syntax tree, not boxes in code, quotes or text", () => {
    expect(tasks.map((t) => t.text)).toEqual([
      "Add the export endpoint",
      "Stream rows as CSV",
      "Escape quotes",
      "Handle empty results",
      "Download button",
      "Progress while it downloads",
      "Nested under an ordered task",
      "Browser test with bold and code",
    ]);
    expect(tasks.map((t) => t.checked)).toEqual([true, false, false, true, false, true, false, false]);
  });

  it("knows each task's nesting, parent, section and line", () => {
    expect(tasks.map((t) => [t.depth, t.parentIndex])).toEqual([
      [0, null],
      [0, null],
      [1, 1],
      [1, 1],
      [0, null],
      [0, null],
      [1, 5],
      [0, null],
    ]);
    expect(tasks[0]?.section).toEqual(["Ship the invoice export", "Backend"]);
    expect(tasks[7]?.section).toEqual(["Ship the invoice export", "Frontend", "Tests"]);
    expect(tasks[2]?.line).toBe(8);
    expect(sections).toEqual([
      ["Ship the invoice export"],
      ["Ship the invoice export", "Backend"],
      ["Ship the invoice export", "Frontend"],
      ["Ship the invoice export", "Frontend", "Tests"],
    ]);
  });

  it("points at each checkbox mark", () => {
    expect(tasks.every((t) => "xX ".includes(GUIDE[t.markOffset] ?? "?"))).toBe(true);
  });

  it("handles CRLF line ends, tabs and a document that is only tasks", () => {
    const crlf = "- [ ] one\r\n- [x] two\r\n\t- [ ] three\r\n";
    const parsed = parseGuide(crlf);
    expect(parsed.tasks.map((t) => [t.text, t.checked])).toEqual([
      ["one", false],
      ["two", true],
      ["three", false],
    ]);
    expect(parsed.tasks.map((t) => crlf[t.markOffset])).toEqual([" ", "x", " "]);
    expect(parseGuide("").tasks).toEqual([]);
  });
});

describe("setTaskChecked", () => {
  it("changes exactly one character, the chosen checkbox", () => {
    const { tasks } = parseGuide(GUIDE);
    for (const task of tasks) {
      const toggled = setTaskChecked(GUIDE, task.index, !task.checked);
      expect(toggled.length).toBe(GUIDE.length);
      const differing = Array.from(GUIDE, (_, i) => i).filter((i) => toggled[i] !== GUIDE[i]);
      expect(differing).toEqual([task.markOffset]);
      expect(parseGuide(toggled).tasks[task.index]?.checked).toBe(!task.checked);
      // Back again: the document as it was (a capital X comes back lower case).
      const back = setTaskChecked(toggled, task.index, task.checked);
      expect(back.toLowerCase()).toBe(GUIDE.toLowerCase());
    }
  });

  it("leaves the document as it is when the box already has the state, and refuses a missing task", () => {
    expect(setTaskChecked(GUIDE, 0, true)).toBe(GUIDE);
    expect(() => setTaskChecked(GUIDE, 99, true)).toThrow(RangeError);
  });
});
