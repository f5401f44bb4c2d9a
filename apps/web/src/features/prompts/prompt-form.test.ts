import { describe, expect, it } from "vitest";
import { approval, contentOf, dollars, draftOf, placeholdersOf } from "./prompt-form.ts";

describe("prompt editor drafts", () => {
  it("turns a template draft into a body with typed defaults and enum options", () => {
    const draft = {
      ...draftOf(null),
      text: "{{n}} {{tone}} {{loud}}",
      variables: [
        { name: "n", type: "number" as const, required: true, options: "", defaultValue: "2" },
        { name: "tone", type: "enum" as const, required: false, options: "warm, dry,", defaultValue: "dry" },
        { name: "loud", type: "boolean" as const, required: false, options: "", defaultValue: "" },
      ],
    };
    expect(contentOf(draft)).toEqual({
      kind: "template",
      text: "{{n}} {{tone}} {{loud}}",
      variables: [
        { name: "n", type: "number", required: true, default: 2 },
        { name: "tone", type: "enum", required: false, options: ["warm", "dry"], default: "dry" },
        { name: "loud", type: "boolean", required: false },
      ],
    });
  });

  it("round-trips a persona, empty fields as null", () => {
    const content = {
      kind: "persona" as const,
      instructions: "Be kind.",
      model: null,
      temperature: 0.4,
      maxOutputTokens: null,
    };
    expect(contentOf(draftOf(content))).toEqual(content);
  });

  it("finds placeholders, words approval and cost", () => {
    expect(placeholdersOf("{{a}} {{ b }} {{a}}")).toEqual(["a", "b"]);
    expect(approval({ thumbsUp: 3, thumbsDown: 1 })).toBe(0.75);
    expect(approval({ thumbsUp: 0, thumbsDown: 0 })).toBeNull();
    expect(dollars(1_500)).toBe("$0.001500");
    expect(dollars(2_500_000)).toBe("$2.5000");
  });
});
