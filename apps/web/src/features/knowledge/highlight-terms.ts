/** A piece of a passage, and whether it matches a term of the query. */
export interface TextPart {
  text: string;
  match: boolean;
}

/** Words too common to be worth marking (keyword search leaves them out of queries too). */
const STOP_WORDS = new Set(
  "a an and are as at be but by for from has have in into is it its of on or that the this to was were will with".split(
    " ",
  ),
);

/** The words of a query worth highlighting: letters and digits, two characters or more, no stop words. */
export function queryTerms(query: string): string[] {
  const words = (query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? []).filter((w) => !STOP_WORDS.has(w));
  // Longest first, so "backups" wins over "backup" where both match.
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

/**
 * Splits `text` into parts where the query's words are marked: whole words, case-insensitive,
 * with a plain English ending allowed ("backup" marks "backups"; search stems words, this only
 * comes close).
 * @example
 * highlightParts("Backups run nightly", "backup")
 * // [{ text: "Backups", match: true }, { text: " run nightly", match: false }]
 */
export function highlightParts(text: string, query: string): TextPart[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return [{ text, match: false }];
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${escaped.join("|")})(?:s|es|ed|ing|'s)?(?![\\p{L}\\p{N}])`,
    "giu",
  );
  const parts: TextPart[] = [];
  let last = 0;
  for (const found of text.matchAll(pattern)) {
    if (found.index > last) parts.push({ text: text.slice(last, found.index), match: false });
    parts.push({ text: found[0], match: true });
    last = found.index + found[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}
