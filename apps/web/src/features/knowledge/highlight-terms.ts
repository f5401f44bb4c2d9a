/** A piece of a passage, and whether it matches a term of the query. */
export interface TextPart {
  text: string;
  match: boolean;
}

/** The words of a query worth highlighting: letters and digits, two characters or more. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
  // Longest first, so "backups" wins over "back" where both match.
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

/**
 * Splits `text` into parts where the query's words (case-insensitive, at word starts) are marked.
 * @example
 * highlightParts("Backups run nightly", "backup")
 * // [{ text: "Backup", match: true }, { text: "s run nightly", match: false }]
 */
export function highlightParts(text: string, query: string): TextPart[] {
  const terms = queryTerms(query);
  if (terms.length === 0) return [{ text, match: false }];
  const escaped = terms.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join("|")})`, "giu");
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
