import type { TemplateContent } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { placeholders, render, templateIssues } from "./template.ts";

const template = (text: string, variables: TemplateContent["variables"]): TemplateContent => ({
  kind: "template",
  text,
  variables,
});

describe("templates", () => {
  it("finds each placeholder once, spaces inside the braces allowed", () => {
    expect(placeholders("Hi {{ name }}, {{name}} from {{city}}; {{ not a var }}")).toEqual(["name", "city"]);
  });

  it("names every undeclared placeholder, unused declaration and wrong declaration", () => {
    const issues = templateIssues(
      template("Write to {{name}} about {{topic}}", [
        { name: "name", type: "string", required: true },
        { name: "tone", type: "enum", required: true },
        { name: "count", type: "number", required: false, default: "three", options: ["x"] },
      ]),
    );
    expect(issues).toEqual([
      { variable: "tone", message: "an enum variable needs options" },
      { variable: "count", message: "only an enum variable has options" },
      { variable: "count", message: "default: expected a number, got string" },
      { variable: "topic", message: "the placeholder {{topic}} is not declared" },
      { variable: "tone", message: "declared but never used as {{tone}}" },
      { variable: "count", message: "declared but never used as {{count}}" },
    ]);
  });

  it("renders typed values and defaults, and refuses missing, unknown and mistyped ones", () => {
    const t = template("{{greeting}} {{name}}: {{n}} items, urgent={{urgent}}", [
      { name: "greeting", type: "enum", options: ["Hi", "Dear"], required: true, default: "Hi" },
      { name: "name", type: "string", required: true },
      { name: "n", type: "number", required: true },
      { name: "urgent", type: "boolean", required: false },
    ]);
    expect(render(t, { name: "Ann", n: 3, urgent: true })).toEqual({
      text: "Hi Ann: 3 items, urgent=true",
      issues: [],
    });
    expect(render(t, { name: "Ann", n: 3 }).text).toBe("Hi Ann: 3 items, urgent=");
    expect(render(t, { greeting: "Yo", n: "3", extra: 1 }).issues).toEqual([
      { variable: "extra", message: "no such variable" },
      { variable: "greeting", message: "expected one of Hi, Dear" },
      { variable: "name", message: "required" },
      { variable: "n", message: "expected a number, got string" },
    ]);
  });

  it("does not expand placeholders inside values", () => {
    const t = template("A {{a}} B {{b}}", [
      { name: "a", type: "string", required: true },
      { name: "b", type: "string", required: true },
    ]);
    expect(render(t, { a: "{{b}}", b: "x" }).text).toBe("A {{b}} B x");
  });
});
