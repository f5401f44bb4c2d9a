/**
 * Full-text search queries that no user input can turn into syntax: a search is reduced to its
 * words (runs of letters and digits), and each word is quoted (FTS5) or is a bare lexeme
 * (PostgreSQL `to_tsquery`), so `"`, `*`, `-`, `NEAR`, `OR`, `:`, `&`, `|`, `!` and parentheses
 * are never operators. Used by the guides' and the messages' searches.
 */

/** Most words of a search that are searched; the rest are ignored. */
export const MAX_SEARCH_WORDS = 8;

/** The longest word searched (longer ones are cut: no indexed token is that long in practice). */
const MAX_WORD_CHARS = 64;

/**
 * The words of a search, lower-cased, letters and digits only, at most {@link MAX_SEARCH_WORDS}.
 * Empty when the search has none (only punctuation or emoji): callers answer no match.
 * @example searchWords('say "NEAR" *foo-bar') // ["say", "near", "foo", "bar"]
 */
export function searchWords(q: string): string[] {
  const words =
    q
      .normalize("NFC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.map((w) => w.slice(0, MAX_WORD_CHARS)))].slice(0, MAX_SEARCH_WORDS);
}

/**
 * An FTS5 MATCH expression: every word, each also as a prefix (as the user types).
 * @example fts5AllPrefixes(["kafka", "drain"]) // '"kafka"* "drain"*'
 */
export function fts5AllPrefixes(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(" ");
}

/**
 * A PostgreSQL `to_tsquery` text: every word, each also as a prefix.
 * @example tsqueryAllPrefixes(["kafka", "drain"]) // "kafka:* & drain:*"
 */
export function tsqueryAllPrefixes(words: readonly string[]): string {
  return words.map((w) => `${w.replace(/[^\p{L}\p{N}]/gu, "")}:*`).join(" & ");
}
