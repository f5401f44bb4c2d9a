import type { AnswerSource } from "@parley/contracts";

/** `[n]`: how an answer cites its n-th source. */
const MARKER = /\[(\d{1,3})\]/g;

/** The part of a markdown syntax tree this plugin reads and writes. */
interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
  data?: { hName: string; hProperties: Record<string, string>; hChildren: { type: "text"; value: string }[] };
}

/** Nodes whose text is not prose: a citation inside them stays as written. */
const LITERAL = new Set(["link", "linkReference", "inlineCode", "code", "html"]);

/** A citation node: rendered as `<sup data-cite="n">[n]</sup>`, which the markdown view turns into a chip. */
function citationNode(n: number): MdNode {
  return {
    type: "citation",
    data: {
      hName: "sup",
      hProperties: { dataCite: String(n) },
      hChildren: [{ type: "text", value: `[${n}]` }],
    },
  };
}

/** Splits a text node's value at the markers of known sources. */
function splitText(value: string, known: ReadonlySet<number>): MdNode[] | null {
  const parts: MdNode[] = [];
  let last = 0;
  for (const match of value.matchAll(MARKER)) {
    const n = Number(match[1]);
    if (!known.has(n)) continue;
    if (match.index > last) parts.push({ type: "text", value: value.slice(last, match.index) });
    parts.push(citationNode(n));
    last = match.index + match[0].length;
  }
  if (!parts.length) return null;
  if (last < value.length) parts.push({ type: "text", value: value.slice(last) });
  return parts;
}

function walk(node: MdNode, known: ReadonlySet<number>): void {
  if (!node.children || LITERAL.has(node.type)) return;
  node.children = node.children.flatMap((child) => {
    if (child.type === "text" && child.value) return splitText(child.value, known) ?? [child];
    walk(child, known);
    return [child];
  });
}

/**
 * A remark plugin: `[n]` in an answer's prose becomes a citation when the answer has a source
 * numbered n; any other number (one the model made up) stays plain text. Code and links are left
 * as they are.
 * @example
 * <ReactMarkdown remarkPlugins={[[remarkCitations, { numbers: new Set([1, 2]) }]]}>{text}</ReactMarkdown>
 */
export function remarkCitations(options: { numbers: ReadonlySet<number> }) {
  return (tree: MdNode) => {
    walk(tree, options.numbers);
  };
}

/**
 * The sources an answer cites, in number order: those whose `[n]` appears in its text (a number
 * that matches no source is no citation).
 * @example citedSources("Restore with pg_restore [2].", sources) // [the source numbered 2]
 */
export function citedSources(text: string, sources: readonly AnswerSource[]): AnswerSource[] {
  const cited = new Set([...text.matchAll(MARKER)].map((m) => Number(m[1])));
  return sources.filter((s) => cited.has(s.n)).sort((a, b) => a.n - b.n);
}

/** Where a source sits in its document, for people: "Runbook.md › Restore › From a dump". */
export function placeOf(source: Pick<AnswerSource, "documentName" | "headingPath">): string {
  return [source.documentName, ...source.headingPath].join(" › ");
}
