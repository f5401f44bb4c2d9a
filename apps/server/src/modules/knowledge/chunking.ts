import type { Heading, RootContent } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { toString } from "mdast-util-to-string";
import { countTokens } from "gpt-tokenizer";

/** One passage of a document: its text, where it sits, and the headings above it. */
export interface Chunk {
  ordinal: number;
  headingPath: string[];
  /** Character offsets into the document's markdown: `text === markdown.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
  tokens: number;
}

/**
 * Longest run without whitespace counted in one piece. BPE works on one such run at a time, in
 * time that grows with the square of its length: a megabyte of "xxx…" (a log dump, base64) took
 * minutes and blocked the process. Counted in slices, a run costs at most one token more per slice.
 */
const MAX_RUN = 256;
const LONG_RUN = new RegExp(`(\\S{${MAX_RUN}})`);

/** Tokens of `text` (o200k), with runs without whitespace counted in slices of {@link MAX_RUN}. */
export function tokenCount(text: string): number {
  if (!LONG_RUN.test(text)) return countTokens(text);
  let total = 0;
  for (const part of text.split(LONG_RUN)) if (part) total += countTokens(part);
  return total;
}

/** Chunk size bounds, in tokens (o200k, as `gpt-tokenizer` counts them). */
export const CHUNK_TOKENS = { target: 350, max: 500 } as const;

/**
 * Cuts markdown into passages along its structure: a heading starts a new passage and becomes
 * part of the heading path of those under it; blocks (paragraphs, lists, code, tables) are
 * gathered until the target size; a block larger than the maximum is cut between words. Each
 * chunk's span points into `markdown`, so a citation can show the passage in its document.
 * @example chunkMarkdown("# Intro\n\nHello.") // [{ headingPath: ["Intro"], text: "# Intro\n\nHello.", ... }]
 */
export function chunkMarkdown(
  markdown: string,
  limits: { target: number; max: number } = CHUNK_TOKENS,
): Chunk[] {
  const root = fromMarkdown(markdown);
  const chunks: Chunk[] = [];
  const headings: string[] = [];
  // `body`: whether the open passage holds more than headings (a heading alone is no passage).
  let open: { start: number; end: number; path: string[]; body: boolean } | null = null;
  const flush = () => {
    if (!open) return;
    for (const piece of splitOversized(markdown, open.start, open.end, limits.max)) {
      chunks.push({ ordinal: chunks.length, headingPath: open.path, ...piece });
    }
    open = null;
  };
  for (const node of root.children) {
    const start = node.position?.start.offset;
    const end = node.position?.end.offset;
    if (start === undefined || end === undefined) continue;
    if (isHeading(node)) {
      // A heading with nothing under it yet stays with the next one ("# Title" then "## Page 1").
      const keep: number | null = open && !open.body ? open.start : null;
      if (keep === null) flush();
      headings.length = node.depth - 1;
      headings[node.depth - 1] = toString(node).trim();
      open = { start: keep ?? start, end, path: headings.filter(Boolean), body: false };
      continue;
    }
    if (open?.body && tokenCount(markdown.slice(open.start, end)) > limits.target) flush();
    open ??= { start, end, path: headings.filter(Boolean), body: true };
    open.end = end;
    open.body = true;
  }
  flush();
  return chunks;
}

function isHeading(node: RootContent): node is Heading {
  return node.type === "heading";
}

/** `markdown[start, end)` as pieces of at most `max` tokens, cut at whitespace. */
function splitOversized(
  markdown: string,
  start: number,
  end: number,
  max: number,
): { start: number; end: number; text: string; tokens: number }[] {
  const text = markdown.slice(start, end);
  const tokens = tokenCount(text);
  if (tokens <= max) return [{ start, end, text, tokens }];
  const pieces: { start: number; end: number; text: string; tokens: number }[] = [];
  // Characters per token in this passage, to guess each cut; the guess is then checked.
  const perToken = text.length / tokens;
  let from = start;
  while (from < end) {
    let to = Math.min(end, from + Math.floor(max * perToken));
    while (to < end && tokenCount(markdown.slice(from, to)) > max) to = from + Math.floor((to - from) * 0.9);
    if (to < end) {
      // Searched within the piece only: a whole-prefix search made long runs quadratic.
      const at = markdown.slice(from, to + 1).lastIndexOf(" ");
      if (at >= 0 && from + at > from + (to - from) / 2) to = from + at;
    }
    const piece = markdown.slice(from, to);
    if (piece.trim()) pieces.push({ start: from, end: to, text: piece, tokens: tokenCount(piece) });
    from = to;
  }
  return pieces;
}
