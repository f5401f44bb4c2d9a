import { describe, expect, it } from "vitest";
import { titleFrom, UNTITLED } from "./conversation-titles.ts";

describe("titleFrom", () => {
  it("names a conversation after the first line of its first message", () => {
    expect(titleFrom("  Why is the build red?\nHere are the logs: ...")).toBe("Why is the build red?");
  });
  it("collapses whitespace and cuts long lines at 60 characters with an ellipsis", () => {
    const title = titleFrom(`Explain   ${"very ".repeat(30)}long things`);
    expect(title.startsWith("Explain very very")).toBe(true);
    expect(title.length).toBeLessThanOrEqual(60);
    expect(title.endsWith("…")).toBe(true);
  });
  it("reads markdown as text: no marks, links or code fences in a title", () => {
    expect(titleFrom("**Why** is `ci` _red_? See [the logs](https://ci.example.com)")).toBe(
      "Why is ci red? See the logs",
    );
    expect(titleFrom("# Release plan\n\nDetails follow.")).toBe("Release plan");
    expect(titleFrom("```ts\nconst x = 1;\n```\n\nWhat does this do?")).toBe("What does this do?");
    expect(titleFrom("```\nnpm ERR! code E404\n```")).toBe("npm ERR! code E404");
    expect(titleFrom("- [ ] first task\n- [ ] second")).toBe("first task");
  });
  it("skips leading blank lines, and keeps the default title for a blank message", () => {
    expect(titleFrom("\n\nsecond line")).toBe("second line");
    expect(titleFrom(" \n ")).toBe(UNTITLED);
  });
});
