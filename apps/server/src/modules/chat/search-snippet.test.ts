import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { searchWords } from "../../db/full-text.ts";
import { snippetOf, substringMatches, wordMatches } from "./search-snippet.ts";

const marked = (s: { snippet: string; highlights: { start: number; end: number }[] }) =>
  s.highlights.map((r) => s.snippet.slice(r.start, r.end));

describe("search snippets", () => {
  it("marks words that start with a searched word, without case or diacritics", () => {
    const text = "Drain the Café; drainPartitions() and undrained stay";
    expect(marked(snippetOf(text, wordMatches(text, ["drain", "cafe"])))).toEqual(["Drain", "Café", "drain"]);
  });

  it("cuts a long text around the first match, at word boundaries, with ellipses and whitespace folded", () => {
    const text = `${"lorem ipsum ".repeat(30)}the\n\n  needle   is here ${"dolor sit ".repeat(40)}`;
    const s = snippetOf(text, wordMatches(text, ["needle"]));
    expect(s.snippet.startsWith("…")).toBe(true);
    expect(s.snippet.endsWith("…")).toBe(true);
    expect(s.snippet).toContain("the needle is here");
    expect(s.snippet.length).toBeLessThanOrEqual(182);
    expect(marked(s)).toEqual(["needle"]);
  });

  it("marks titles by substring", () => {
    expect(substringMatches("Quarterly review", ["terly", "rev"])).toEqual([
      { start: 4, end: 9 },
      { start: 10, end: 13 },
    ]);
  });

  it("keeps every range inside the snippet, on the matched text, for any text and search", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 600 }), fc.string({ maxLength: 20 }), (text, q) => {
        const words = searchWords(q);
        const s = snippetOf(text, wordMatches(text, words));
        for (const r of s.highlights) {
          expect(r.start).toBeGreaterThanOrEqual(0);
          expect(r.end).toBeGreaterThan(r.start);
          expect(r.end).toBeLessThanOrEqual(s.snippet.length);
        }
        const t = substringMatches(text, words);
        for (const r of t) expect(r.end).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 300 },
    );
  });
});
