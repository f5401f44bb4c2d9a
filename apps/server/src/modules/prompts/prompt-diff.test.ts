import { describe, expect, it } from "vitest";
import { diffVersions, versionText } from "./prompt-diff.ts";

const persona = (version: number, instructions: string, temperature: number | null) => ({
  version,
  name: "Reviewer",
  description: "",
  content: {
    kind: "persona" as const,
    instructions,
    model: "fake/fake-model",
    temperature,
    maxOutputTokens: null,
  },
});

describe("prompt version diff", () => {
  it("shows a changed setting as one changed line and changed text as its lines", () => {
    const diff = diffVersions(
      "p1",
      persona(1, "Be brief.\nCite sources.\nNo jokes.", 0.2),
      persona(3, "Be brief.\nCite every source.\nNo jokes.", 0.7),
    );
    expect(diff).toMatchObject({ promptId: "p1", from: 1, to: 3, added: 2, removed: 2 });
    const lines = diff.hunks.flatMap((h) => h.lines);
    expect(lines).toContain("-temperature: 0.2");
    expect(lines).toContain("+temperature: 0.7");
    expect(lines).toContain("-Cite sources.");
    expect(lines).toContain("+Cite every source.");
    expect(lines).toContain(" Be brief.");
  });

  it("has no hunks between equal versions, and lists a template's variables", () => {
    const v = persona(2, "Same.", null);
    expect(diffVersions("p1", v, { ...v, version: 5 }).hunks).toEqual([]);
    const text = versionText({
      version: 1,
      name: "Mail",
      description: "d",
      content: {
        kind: "template",
        text: "Hi {{tone}}",
        variables: [
          { name: "tone", type: "enum", options: ["warm", "dry"], required: false, default: "warm" },
        ],
      },
    });
    expect(text).toBe(
      'name: Mail\ndescription: d\nvariable tone: enum, options warm|dry, optional, default "warm"\n\nHi {{tone}}\n',
    );
  });
});
