import type { GuideTask } from "@parley/contracts";
import { Children, createContext, isValidElement, useContext, useState, type ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { withoutTitleHeading } from "./guide-form.ts";
import { toggleOf, type TaskControls } from "./guide-tasks.ts";
import { TaskMeta } from "./task-meta.tsx";

const Controls = createContext<TaskControls | null>(null);
/** The task of the list item being rendered (null: a checkbox that is no task). */
const CurrentTask = createContext<GuideTask | null>(null);

const isList = (node: ReactNode) => isValidElement(node) && (node.type === "ul" || node.type === "ol");

/** A task's checkbox: interactive for writers, showing its state to everyone. */
function Checkbox({ checked }: { checked: boolean }) {
  const controls = useContext(Controls);
  const task = useContext(CurrentTask);
  // What the click asked for, shown from the click on (a controlled box would otherwise spring
  // back until the cache catches up) while the change is on its way.
  const [asked, setAsked] = useState<boolean | null>(null);
  if (!controls || !task)
    return (
      <input type="checkbox" checked={checked} readOnly disabled aria-label={checked ? "Done" : "Not done"} />
    );
  const pending = controls.pendingId === task.id;
  const done = pending && asked !== null ? asked : task.status === "done";
  return (
    <input
      type="checkbox"
      checked={done}
      disabled={!controls.write || pending}
      aria-label={task.text}
      onChange={() => {
        setAsked(!done);
        controls.onChange(task, toggleOf(task));
      }}
    />
  );
}

// The page's title is its one h1: the document's headings sit one level below it.
const below = (level: 2 | 3 | 4 | 5 | 6) =>
  function Heading({ children }: { children?: ReactNode }) {
    const Tag = `h${level}` as const;
    return <Tag>{children}</Tag>;
  };

const components: Components = {
  h1: below(2),
  h2: below(3),
  h3: below(4),
  h4: below(5),
  h5: below(6),
  h6: below(6),
  // Links open outside the app and tell the target nothing about it.
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
  // A guide never loads images by itself (a remote image learns who reads it): they are links.
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow" className="image-link">
        image: {alt || src}
      </a>
    ) : null,
  input: ({ type, checked }) => (type === "checkbox" ? <Checkbox checked={Boolean(checked)} /> : null),
  // A task-list item knows its task by the line it starts on, the line of its checkbox.
  li: function TaskItem({ node, className, children }) {
    const controls = useContext(Controls);
    if (!className?.includes("task-list-item")) return <li className={className}>{children}</li>;
    const line = node?.position?.start.line;
    const task = (line !== undefined ? controls?.byLine.get(line) : undefined) ?? null;
    const parts = Children.toArray(children);
    // Its own text first, then what it says of the task, then the tasks nested in it.
    return (
      <li className={className} data-status={task?.status}>
        <CurrentTask.Provider value={task}>
          {parts.filter((p) => !isList(p))}
          {task && controls && <TaskMeta task={task} controls={controls} />}
        </CurrentTask.Provider>
        {parts.filter(isList)}
      </li>
    );
  },
};

/**
 * A guide's markdown rendered safely (react-markdown, no raw HTML, images as links), with its
 * checkboxes mapped to the guide's tasks by line: ticking one calls `controls.onChange`. Without
 * `controls` (the editor's preview) every box is read-only. Its headings are one level down, below the
 * page's title.
 */
export function GuideDocument({
  content,
  title,
  controls,
}: {
  content: string;
  /** The guide's title: a leading `# title` repeating it is not shown again. */
  title?: string;
  controls?: TaskControls;
}) {
  return (
    <div className="markdown guide-document">
      <Controls.Provider value={controls ?? null}>
        <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
          {title === undefined ? content : withoutTitleHeading(content, title)}
        </ReactMarkdown>
      </Controls.Provider>
    </div>
  );
}
