import { holdTrailingRun, isSpace, type Detector, type DetectorMatch } from "./types.ts";

const WORD_CHAR = String.raw`[\p{L}\p{M}\p{N}_]`;

/**
 * Finds whole words or phrases from a list, ignoring case, in any script: `Geheim` matches
 * `GEHEIM` and `geheim.` but not `Geheimnis`. Whitespace inside a phrase matches any run of
 * whitespace. Case folding is the simple Unicode one that `RegExp`'s `iu` does (so `ß` does not
 * match `SS`).
 *
 * @example
 * await keywordsDetector(["Project Nova"]).detect("About project  nova:"); // [{ kind: "keyword", start: 6, end: 19, … }]
 */
export function keywordsDetector(words: readonly string[]): Detector {
  const phrases = [...new Set(words.map((w) => w.trim().normalize("NFC")).filter((w) => w !== ""))]
    // Longest first, so a phrase wins over a word it starts with.
    .sort((a, b) => b.length - a.length);
  // No words, no matches (an empty alternation would match the empty string everywhere).
  const body = phrases
    .map((p) =>
      p
        .split(/\s+/u)
        .map(escape)
        .join(String.raw`\s+`),
    )
    .join("|");
  const pattern = new RegExp(`(?<!${WORD_CHAR})(?:${body})(?!${WORD_CHAR})`, "giu");
  const longest = phrases[0]?.length ?? 0;
  // What a match can hold: the phrases' characters in either case, and whitespace between words.
  const chars = new Set<number>();
  // By UTF-16 unit, as a stream's tail is measured.
  const all = phrases.join("").toLowerCase() + phrases.join("").toUpperCase();
  for (let i = 0; i < all.length; i++) chars.add(all.charCodeAt(i));
  const member = (code: number): boolean => chars.has(code) || isSpace(code);
  return {
    id: "keywords",
    kind: "keyword",
    // A phrase's spaces may be longer runs of whitespace in the text; allow a few per phrase.
    maxMatchLength: longest * 2,
    holdFrom: (text) => holdTrailingRun(text, member, longest * 2 + 1),
    detect(text: string): DetectorMatch[] {
      const matches: DetectorMatch[] = [];
      if (phrases.length === 0) return matches;
      for (const m of text.matchAll(pattern)) {
        matches.push({ detector: "keywords", kind: "keyword", start: m.index, end: m.index + m[0].length });
      }
      return matches;
    },
  };
}

function escape(s: string): string {
  // Only syntax characters and `/` may be escaped in `u` mode (`\-` is an error there).
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}
