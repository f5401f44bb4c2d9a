import { describe, expect, it } from "vitest";
import { highlightParts, queryTerms } from "./highlight-terms.ts";

describe("highlighting a query in a passage", () => {
  it("marks each term as a whole word, whatever its case, with a plain ending", () => {
    expect(
      highlightParts("Backups run nightly; restore a backup with pg_restore.", "BACKUP restore"),
    ).toEqual([
      { text: "Backups", match: true },
      { text: " run nightly; ", match: false },
      { text: "restore", match: true },
      { text: " a ", match: false },
      { text: "backup", match: true },
      { text: " with pg_", match: false },
      { text: "restore", match: true },
      { text: ".", match: false },
    ]);
  });

  it("does not mark a term inside another word", () => {
    expect(highlightParts("unrestored", "restore")).toEqual([{ text: "unrestored", match: false }]);
    expect(highlightParts("Starting into", "star in")).toEqual([{ text: "Starting into", match: false }]);
  });

  it("leaves out stop words, one-letter words and punctuation, and treats regex characters literally", () => {
    expect(queryTerms("a (b) c++ .* ok? hydrogen in the stars")).toEqual(["hydrogen", "stars", "ok"]);
    expect(highlightParts("what is ok.", "(ok)")).toEqual([
      { text: "what is ", match: false },
      { text: "ok", match: true },
      { text: ".", match: false },
    ]);
  });

  it("leaves the text whole when the query has no words", () => {
    expect(highlightParts("Passage", "?!")).toEqual([{ text: "Passage", match: false }]);
  });

  it("keeps accented words together", () => {
    expect(highlightParts("Sauvegarde créée", "créée")).toEqual([
      { text: "Sauvegarde ", match: false },
      { text: "créée", match: true },
    ]);
  });
});
