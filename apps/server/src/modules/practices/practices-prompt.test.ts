import { MAX_PRACTICES_CHARS_PER_CALL } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { practicesMessage, withSystemText } from "./practices-prompt.ts";

const practice = (title: string, chars: number) => ({
  title,
  body: title.toLowerCase().repeat(chars).slice(0, chars),
});

describe("practicesMessage", () => {
  it("is empty without practices", () => {
    expect(practicesMessage([], [])).toBe("");
  });

  it("numbers each section from 1, team-wide first, and leaves out an empty section", () => {
    expect(practicesMessage([], [{ title: "Only", body: "  Project body.\n" }])).toBe(
      "Follow these practices, agreed by the team, in every answer.\n\nProject practices:\n\n1. Only\nProject body.",
    );
    const text = practicesMessage(
      [
        { title: "A", body: "a" },
        { title: "B", body: "b" },
      ],
      [{ title: "C", body: "c" }],
    );
    expect(text).toMatch(/Team practices:\n\n1\. A\na\n\n2\. B\nb\n\nProject practices:\n\n1\. C\nc$/);
  });

  it("keeps the whole text when it fits the per-call limit exactly", () => {
    const fits = practicesMessage([practice("A", 15_000)], []);
    expect(fits.length).toBeLessThanOrEqual(MAX_PRACTICES_CHARS_PER_CALL);
    expect(fits).not.toContain("Practices stop here");
  });

  it("cuts at the limit: whole practices first, the next one cut, the rest left out, and says so", () => {
    const text = practicesMessage(
      [practice("First", 9_000), practice("Second", 9_000)],
      [practice("Third", 3_000), practice("Fourth", 10)],
    );
    expect(text.length).toBeLessThanOrEqual(MAX_PRACTICES_CHARS_PER_CALL);
    expect(text).toContain(`1. First\n${"first".repeat(1800)}`);
    expect(text).toContain("2. Second\nsecond");
    expect(text).toMatch(
      /…\n\n\[Practices stop here: a call gets at most 16,000 characters of them; the last one above is cut; 2 more are left out\.\]$/,
    );
    expect(text).not.toContain("Third");
  });

  it("leaves a practice out rather than keep a stub of it", () => {
    const text = practicesMessage([practice("Big", 15_700), practice("Next", 500)], []);
    expect(text).not.toContain("Next");
    expect(text).toMatch(/; 1 more is left out\.\]$/);
    expect(text.length).toBeLessThanOrEqual(MAX_PRACTICES_CHARS_PER_CALL);
  });

  it("holds any limit it is given", () => {
    for (const limit of [1_000, 2_500, 16_000])
      for (const sizes of [[100], [900, 900], [5_000, 20_000, 3]])
        expect(
          practicesMessage(
            sizes.map((n, i) => practice(`P${i}`, n)),
            [],
            limit,
          ).length,
        ).toBeLessThanOrEqual(limit);
  });
});

describe("withSystemText", () => {
  it("puts the text after the leading system messages, before the conversation", () => {
    const user = { role: "user" as const, content: [{ type: "text" as const, text: "hi" }] };
    expect(withSystemText([{ role: "system", content: "Be brief." }, user], "P").map((m) => m.role)).toEqual([
      "system",
      "system",
      "user",
    ]);
    expect(withSystemText([user], "P")[0]).toEqual({ role: "system", content: "P" });
    expect(withSystemText([], "P")).toEqual([{ role: "system", content: "P" }]);
  });
});
