import type { ListItem, Nodes, Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { toString } from "mdast-util-to-string";
import { gfm } from "micromark-extension-gfm";

/** A checkbox of a guide's markdown, in document order. */
export interface ParsedTask {
  /** Its index among the document's tasks (0-based). */
  readonly index: number;
  /** The item's own text (without its nested items), whitespace collapsed. */
  readonly text: string;
  readonly checked: boolean;
  /** 0 for a top-level task; one more for each task list it sits in below another task. */
  readonly depth: number;
  /** Index of the task whose item holds this one, if any. */
  readonly parentIndex: number | null;
  /** The headings above it, outermost first. */
  readonly section: readonly string[];
  /** Offset of the `x` or space between the brackets, in the markdown. */
  readonly markOffset: number;
  /** 1-based line of the checkbox. */
  readonly line: number;
}

/** What a guide's markdown holds: its tasks and its section headings, in order. */
export interface ParsedGuide {
  readonly tasks: readonly ParsedTask[];
  /** Each heading's path (outermost first), in document order, whether it has tasks or not. */
  readonly sections: readonly (readonly string[])[];
}

/** `- [ ]`, `* [x]`, `1. [X]`, `2) [ ]`: a list marker, spaces, then the checkbox. */
const CHECKBOX_AT = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\]/;

/**
 * Parses the GFM task-list items of `markdown` from its syntax tree (micromark's GFM
 * extension): a `[ ]` inside a code block, an inline code span, an HTML block or a plain
 * paragraph is no task; a task in a block quote is not one either, since a quote cites what
 * someone else wrote. Each task knows its section (the headings above it), its nesting, and where
 * its checkbox mark sits, so toggling rewrites that one character.
 * @example parseGuide("# Ship\n- [x] build\n  - [ ] test").tasks.map((t) => [t.text, t.depth]) // [["build", 0], ["test", 1]]
 */
export function parseGuide(markdown: string): ParsedGuide {
  const tree: Root = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const tasks: ParsedTask[] = [];
  const sections: string[][] = [];
  const headings: string[] = [];
  const lineStarts = lineStartsOf(markdown);

  const visit = (node: Nodes, parentIndex: number | null, depth: number): void => {
    if (node.type === "blockquote" || node.type === "code" || node.type === "html") return;
    if (node.type === "heading") {
      headings.length = Math.min(headings.length, node.depth - 1);
      while (headings.length < node.depth - 1) headings.push("");
      headings.push(collapse(toString(node)));
      sections.push(headings.filter((h) => h !== ""));
      return;
    }
    if (node.type === "listItem" && typeof node.checked === "boolean") {
      const task = taskOf(node, markdown, lineStarts, {
        index: tasks.length,
        depth,
        parentIndex,
        section: headings.filter((h) => h !== ""),
      });
      if (task) {
        tasks.push(task);
        for (const child of node.children) visit(child, task.index, depth + 1);
        return;
      }
    }
    if ("children" in node) for (const child of node.children) visit(child, parentIndex, depth);
  };
  visit(tree, null, 0);
  return { tasks, sections };
}

function taskOf(
  item: ListItem,
  markdown: string,
  lineStarts: readonly number[],
  at: Pick<ParsedTask, "index" | "depth" | "parentIndex" | "section">,
): ParsedTask | null {
  const start = item.position?.start.offset;
  const line = item.position?.start.line;
  if (start === undefined || line === undefined) return null;
  // The item starts at its marker; the checkbox follows on the same line.
  const lineStart = lineStarts[line - 1] ?? 0;
  const lineEnd = markdown.indexOf("\n", start);
  const match = CHECKBOX_AT.exec(markdown.slice(lineStart, lineEnd === -1 ? undefined : lineEnd));
  if (!match) return null;
  const markOffset = lineStart + match[0].length - 2;
  const own = item.children.filter((child) => child.type !== "list");
  return {
    ...at,
    text: collapse(own.map((child) => toString(child)).join(" ")),
    checked: item.checked === true,
    markOffset,
    line,
  };
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * `markdown` with task `index`'s checkbox set to `checked`: exactly one character changes (or
 * none when it already is), the rest of the document stays byte for byte.
 * @throws RangeError when the document has no such task.
 */
export function setTaskChecked(markdown: string, index: number, checked: boolean): string {
  const task = parseGuide(markdown).tasks[index];
  if (!task) throw new RangeError(`no task ${index} in the document`);
  const current = markdown[task.markOffset];
  if ((current === " ") !== checked) return markdown;
  return markdown.slice(0, task.markOffset) + (checked ? "x" : " ") + markdown.slice(task.markOffset + 1);
}

/** Progress of a list of tasks: done, total, and the share done (0 when there is none). */
export function progressOf(tasks: readonly { checked: boolean }[]): { done: number; total: number } {
  return { done: tasks.filter((t) => t.checked).length, total: tasks.length };
}
