import { stemmer } from "stemmer";

/**
 * Lucene's English stop words (`EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`): words so common that
 * they rank nothing and only lengthen posting lists.
 */
const STOP_WORDS = new Set([
  "a",
  "an",
  "and",
  "are",
  "as",
  "at",
  "be",
  "but",
  "by",
  "for",
  "if",
  "in",
  "into",
  "is",
  "it",
  "no",
  "not",
  "of",
  "on",
  "or",
  "such",
  "that",
  "the",
  "their",
  "then",
  "there",
  "these",
  "they",
  "this",
  "to",
  "was",
  "will",
  "with",
]);

/** Longest term kept, in characters: longer runs are identifiers or noise, not words. */
const MAX_TERM_CHARS = 64;

/** Words as FTS5's unicode61 tokenizer sees them: lower-cased letters and digits, accents removed. */
export function words(text: string): string[] {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The terms a text is indexed and searched by: its words without stop words, Porter-stemmed
 * (the stemmer FTS5's `porter` tokenizer uses), so both database shapes rank the same terms.
 */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  for (const word of words(text)) {
    if (word.length > MAX_TERM_CHARS || STOP_WORDS.has(word)) continue;
    terms.push(stemmer(word));
  }
  return terms;
}

/** The distinct words of a query worth searching: stop words would match nearly every chunk. */
export function queryWords(text: string): string[] {
  return [...new Set(words(text).filter((w) => w.length <= MAX_TERM_CHARS && !STOP_WORDS.has(w)))];
}

/** Term → how often it occurs. */
export function termFrequencies(terms: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}
