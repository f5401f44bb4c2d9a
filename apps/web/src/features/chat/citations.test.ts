import type { AnswerSource } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { citedSources, remarkCitations } from "./citations.ts";

const source = (n: number): AnswerSource => ({
  n,
  knowledgeBaseId: "kb",
  documentId: `d${n}`,
  documentName: `Doc ${n}.md`,
  chunkId: `d${n}:0`,
  headingPath: [],
  start: 0,
  end: 1,
  snippet: "x",
});

describe("citations", () => {
  it("lists the sources an answer cites, in number order, ignoring numbers that match none", () => {
    const sources = [source(1), source(2), source(3)];
    expect(citedSources("B [3], A [1][1], invented [9].", sources).map((s) => s.n)).toEqual([1, 3]);
    expect(citedSources("No citations.", sources)).toEqual([]);
  });

  it("turns known markers in prose into citation nodes and leaves the rest, code and links alone", () => {
    const tree = {
      type: "root",
      children: [
        {
          type: "paragraph",
          children: [
            { type: "text", value: "Restore [1] or [7]." },
            { type: "inlineCode", value: "[1]" },
            { type: "link", children: [{ type: "text", value: "[1]" }] },
          ],
        },
      ],
    };
    remarkCitations({ numbers: new Set([1]) })(tree);
    const paragraph = tree.children[0]?.children ?? [];
    expect(paragraph.map((n) => n.type)).toEqual(["text", "citation", "text", "inlineCode", "link"]);
    expect(paragraph[2]).toEqual({ type: "text", value: " or [7]." });
    expect(paragraph[4]).toEqual({ type: "link", children: [{ type: "text", value: "[1]" }] });
  });
});
