import type { AnswerSource } from "@parley/contracts";
import { memo, useEffect, useMemo, useState, type ReactNode } from "react";
import ReactMarkdown, { type Components, type Options } from "react-markdown";
import remarkGfm from "remark-gfm";
import { placeOf, remarkCitations } from "./citations.ts";
import { CopyButton } from "./copy-button.tsx";

/** An answer's sources, and what opening one does: its `[n]` markers become citation chips. */
export interface Citations {
  sources: readonly AnswerSource[];
  onOpen: (source: AnswerSource) => void;
}

type PluggableList = NonNullable<Options["rehypePlugins"]>;

let highlighter: Promise<PluggableList> | null = null;
/** Loads the highlighter once, when the first code block appears. */
function loadHighlighter(): Promise<PluggableList> {
  highlighter ??= import("./highlight.ts").then((m) => [[m.default, { detect: true, ignoreMissing: true }]]);
  return highlighter;
}

function textOf(node: ReactNode): string {
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(textOf).join("");
  if (node && typeof node === "object" && "props" in node)
    return textOf((node.props as { children?: ReactNode }).children);
  return "";
}

const components: Components = {
  pre: ({ children }) => (
    <div className="code-block">
      <CopyButton text={() => textOf(children)} label="Copy" />
      <pre>{children}</pre>
    </div>
  ),
  // Links open outside the app and tell the target nothing about it.
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
  // GFM task-list boxes are read-only and say what they show.
  input: ({ type, checked }) =>
    type === "checkbox" ? (
      <input
        type="checkbox"
        checked={Boolean(checked)}
        readOnly
        disabled
        aria-label={checked ? "Done" : "Not done"}
      />
    ) : null,
  // Model output never loads images by itself: a remote image could leak the conversation
  // through its URL. The reader can open it deliberately.
  img: ({ src, alt }) =>
    typeof src === "string" && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow" className="image-link">
        image: {alt || src}
      </a>
    ) : null,
};

/** The components of an answer with sources: a citation marker becomes a chip naming its document. */
function citingComponents({ sources, onOpen }: Citations): Components {
  const byNumber = new Map(sources.map((s) => [String(s.n), s]));
  return {
    ...components,
    sup: ({ node, children }) => {
      const cited = byNumber.get(String(node?.properties.dataCite ?? ""));
      if (!cited) return <sup>{children}</sup>;
      return (
        <sup className="citation">
          <button
            type="button"
            className="citation-chip"
            aria-label={`Source ${cited.n}: ${placeOf(cited)}`}
            title={placeOf(cited)}
            onClick={() => {
              onOpen(cited);
            }}
          >
            {cited.n}
          </button>
        </sup>
      );
    },
  };
}

/**
 * Renders model output as GitHub-flavoured markdown (tables, task lists, strikethrough) with
 * highlighted code blocks and copy buttons. react-markdown never renders raw HTML and drops
 * unsafe URLs (`javascript:` and the like), so model output cannot run script or inject markup.
 * With `citations`, the `[n]` markers of its sources become chips that open them (a number that
 * matches no source stays text).
 * Memoized by text: parsing is the costly part of rendering a message, and scrolling re-renders rows.
 */
export const Markdown = memo(function Markdown({ text, citations }: { text: string; citations?: Citations }) {
  const hasCode = text.includes("```") || text.includes("~~~");
  const [rehypePlugins, setPlugins] = useState<PluggableList>([]);
  useEffect(() => {
    if (!hasCode || rehypePlugins.length) return;
    let alive = true;
    void loadHighlighter().then((plugins) => {
      if (alive) setPlugins(plugins);
    });
    return () => {
      alive = false;
    };
  }, [hasCode, rehypePlugins.length]);
  const cited = useMemo(
    () =>
      citations?.sources.length
        ? {
            plugins: [
              remarkGfm,
              [remarkCitations, { numbers: new Set(citations.sources.map((s) => s.n)) }],
            ] satisfies Options["remarkPlugins"],
            components: citingComponents(citations),
          }
        : null,
    [citations],
  );
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={cited?.plugins ?? [remarkGfm]}
        rehypePlugins={rehypePlugins}
        components={cited?.components ?? components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
});
