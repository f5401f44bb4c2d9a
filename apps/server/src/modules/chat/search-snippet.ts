import type { TextRange } from "@parley/contracts";

/** About how many characters of a message a snippet shows. */
export const SNIPPET_CHARS = 180;
/** How many characters before the first match a snippet starts, at most. */
const LEAD_CHARS = 50;

/** A snippet of plain text with the ranges to mark. */
export interface Snippet {
  snippet: string;
  highlights: TextRange[];
}

/** Lower case without diacritics, as the indexes compare (FTS5 `remove_diacritics`). */
function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/**
 * Where `words` match in `text` as the indexes match them: the words (runs of letters and digits)
 * of the text that start with one of the searched words, compared without case or diacritics.
 */
export function wordMatches(text: string, words: readonly string[]): TextRange[] {
  const wanted = words.map(fold);
  const ranges: TextRange[] = [];
  for (const token of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    const folded = fold(token[0]);
    const hit = wanted.find((w) => folded.startsWith(w));
    if (!hit) continue;
    // Mark the matched prefix, or the whole word when folding changed its length.
    const length = folded.length === token[0].length ? hit.length : token[0].length;
    ranges.push({ start: token.index, end: token.index + length });
  }
  return ranges;
}

/**
 * Where `words` occur in `text` anywhere (a title matches by substring), compared without case,
 * non-overlapping, left to right.
 */
export function substringMatches(text: string, words: readonly string[]): TextRange[] {
  const lower = text.toLowerCase();
  const ranges: TextRange[] = [];
  // Only when lower-casing kept the length are indices of `lower` those of `text`.
  if (lower.length !== text.length) return wordMatches(text, words);
  for (const word of words) {
    for (let at = lower.indexOf(word); at !== -1 && word; at = lower.indexOf(word, at + word.length))
      ranges.push({ start: at, end: at + word.length });
  }
  return merge(ranges);
}

function merge(ranges: TextRange[]): TextRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: TextRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.start < last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/**
 * A window of `text` around its first match, whitespace runs shown as one space, with the matches
 * inside it as ranges of the snippet; "…" where text was cut. Without a match, the start.
 * @example snippetOf("The kafka consumer lags", [{ start: 4, end: 9 }]) // { snippet: "The kafka consumer lags", highlights: [{ start: 4, end: 9 }] }
 */
export function snippetOf(text: string, matches: readonly TextRange[], size = SNIPPET_CHARS): Snippet {
  const first = matches[0]?.start ?? 0;
  let from = Math.max(0, first - LEAD_CHARS);
  // Start at a word's beginning.
  if (from > 0) {
    const space = text.slice(from, first).search(/\s/);
    if (space !== -1) from += space + 1;
  }
  let to = Math.min(text.length, from + size);
  if (to < text.length) {
    const space = text.slice(0, to).search(/\s\S*$/);
    if (space > first) to = space;
  }
  // Do not split a surrogate pair.
  if (to < text.length && /[\uD800-\uDBFF]/.test(text[to - 1] ?? "")) to -= 1;
  if (from > 0 && /[\uDC00-\uDFFF]/.test(text[from] ?? "")) from += 1;

  let snippet = from > 0 ? "…" : "";
  // Where each character of text[from, to) lands in the snippet (-1: a dropped space).
  const at = new Map<number, number>();
  let previousSpace = true;
  for (let i = from; i < to; i++) {
    const char = text[i] ?? "";
    if (/\s/.test(char)) {
      at.set(i, snippet.length);
      if (!previousSpace) snippet += " ";
      previousSpace = true;
      continue;
    }
    at.set(i, snippet.length);
    snippet += char;
    previousSpace = false;
  }
  snippet = snippet.trimEnd();
  const end = snippet.length;
  if (to < text.length) snippet += "…";
  const highlights: TextRange[] = [];
  for (const m of matches) {
    if (m.start < from || m.end > to) continue;
    const start = at.get(m.start);
    const last = at.get(m.end - 1);
    if (start === undefined || last === undefined) continue;
    highlights.push({ start, end: Math.min(end, last + 1) });
  }
  return { snippet, highlights };
}
