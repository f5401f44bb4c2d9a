import { describe, expect, it } from "vitest";
import { fts5AllPrefixes, searchWords, tsqueryAllPrefixes } from "./full-text.ts";

describe("full-text search words", () => {
  it("keeps letters and digits only, lower-cased, at most 8 distinct words", () => {
    expect(searchWords('say "NEAR" *foo-bar OR x:* & !y')).toEqual([
      "say",
      "near",
      "foo",
      "bar",
      "or",
      "x",
      "y",
    ]);
    expect(searchWords('🦄 *** "')).toEqual([]);
    expect(searchWords("a b c d e f g h i j a")).toHaveLength(8);
    expect(searchWords("Café")).toEqual(["café"]);
  });

  it("quotes every word for FTS5 and leaves none an operator of tsquery", () => {
    expect(fts5AllPrefixes(["near", "or"])).toBe('"near"* "or"*');
    expect(tsqueryAllPrefixes(["kafka", "drain"])).toBe("kafka:* & drain:*");
  });
});
