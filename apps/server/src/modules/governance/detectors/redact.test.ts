import { describe, expect, it } from "vitest";
import { piiDetector } from "./pii.detector.ts";
import { redact, restore } from "./redact.ts";
import { Restorer } from "./restorer.ts";
import type { DetectorMatch } from "./types.ts";

const text = "Mail ann@example.org or bob@example.org, card 4111 1111 1111 1111; ann@example.org again.";

async function redacted(): Promise<ReturnType<typeof redact>> {
  return redact(text, await piiDetector(["email", "card"]).detect(text));
}

describe("redact", () => {
  it("names placeholders by kind and gives the same original the same placeholder", async () => {
    const { text: out, restore: map } = await redacted();
    expect(out).toBe("Mail <EMAIL_1> or <EMAIL_2>, card <CARD_1>; <EMAIL_1> again.");
    expect([...map]).toEqual([
      ["<EMAIL_1>", "ann@example.org"],
      ["<EMAIL_2>", "bob@example.org"],
      ["<CARD_1>", "4111 1111 1111 1111"],
    ]);
  });

  it("round-trips: restoring a redacted text gives the original", async () => {
    const { text: out, restore: map } = await redacted();
    expect(restore(out, map)).toBe(text);
  });

  it("merges overlapping matches so no part of either is left", () => {
    const matches: DetectorMatch[] = [
      { detector: "secrets", kind: "secret", start: 4, end: 12 },
      { detector: "keywords", kind: "keyword", start: 8, end: 16 },
    ];
    const { text: out, restore: map } = redact("key=abcdefghijkl end", matches);
    expect(out).toBe("key=<SECRET_1> end");
    expect(map.get("<SECRET_1>")).toBe("abcdefghijkl");
  });

  it("does not reuse a placeholder the text already contains", () => {
    const source = "literal <EMAIL_1> and ann@x.io";
    const { text: out, restore: map } = redact(source, [
      { detector: "pii", kind: "email", start: 22, end: 30 },
    ]);
    expect(out).toBe("literal <EMAIL_1> and <EMAIL_2>");
    expect(restore(out, map)).toBe(source);
  });

  it("leaves unknown placeholders as they are", () => {
    expect(restore("<EMAIL_9> <CARD_1>", new Map([["<CARD_1>", "x"]]))).toBe("<EMAIL_9> x");
  });
});

describe("Restorer", () => {
  const answer = "Sure, <EMAIL_1> and <EMAIL_2> share <CARD_1>. <EMAIL_1>! a < b, <EMAIL_ <CARD_12> <";

  function streamed(chunks: string[], map: ReadonlyMap<string, string>): string {
    const r = new Restorer(map);
    return chunks.map((c) => r.push(c)).join("") + r.flush();
  }

  it("restores the same text at every single split point", async () => {
    const { restore: map } = await redacted();
    const expected = restore(answer, map);
    for (let i = 0; i <= answer.length; i++) {
      expect(streamed([answer.slice(0, i), answer.slice(i)], map)).toBe(expected);
    }
  });

  it("restores the same text at every pair of split points and one character at a time", async () => {
    const { restore: map } = await redacted();
    const expected = restore(answer, map);
    for (let i = 0; i <= answer.length; i++) {
      for (let j = i; j <= answer.length; j++) {
        expect(streamed([answer.slice(0, i), answer.slice(i, j), answer.slice(j)], map)).toBe(expected);
      }
    }
    expect(
      streamed(
        Array.from({ length: answer.length }, (_, i) => answer.charAt(i)),
        map,
      ),
    ).toBe(expected);
  });

  it("holds back only what could still become a placeholder", async () => {
    const { restore: map } = await redacted();
    const r = new Restorer(map);
    expect(r.push("Hello <EMA")).toBe("Hello ");
    expect(r.push("IL_1> and <b")).toBe("ann@example.org and <b");
    expect(r.push("old>")).toBe("old>");
    expect(r.push("<CARD_1")).toBe("");
    expect(r.flush()).toBe("<CARD_1");
  });
});
