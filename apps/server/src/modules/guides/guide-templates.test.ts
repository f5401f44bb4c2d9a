import { describe, expect, it } from "vitest";
import { AppError } from "../../kernel/app-error.ts";
import { parseGuide } from "./guide-markdown.ts";
import { BUILT_IN_TEMPLATES, renderTemplate, variablesUsed } from "./guide-templates.ts";

describe("guide templates", () => {
  it("declares every variable the built-in templates use, and each has tasks in sections", () => {
    for (const template of BUILT_IN_TEMPLATES) {
      const declared = template.variables.map((v) => v.name);
      expect(variablesUsed(template.title, template.content).every((v) => declared.includes(v))).toBe(true);
      const { tasks } = parseGuide(template.content);
      expect(tasks.length).toBeGreaterThan(5);
      expect(tasks.every((t) => t.section.length === 2)).toBe(true);
    }
  });

  it("fills given values and defaults, and refuses missing or unknown ones", () => {
    const feature = BUILT_IN_TEMPLATES.find((t) => t.id === "builtin:feature");
    if (!feature) throw new Error("no feature template");
    const made = renderTemplate(feature, { feature: "  Dark mode " });
    expect(made.title).toBe("Feature: Dark mode");
    expect(made.content).toContain("For our users.");
    expect(made.content).not.toContain("{{");
    const codes = (values: Record<string, string>) => {
      try {
        renderTemplate(feature, values);
        return null;
      } catch (error) {
        return error instanceof AppError ? [error.code, error.details] : error;
      }
    };
    expect(codes({})).toEqual(["guide.template_variables", { missing: ["feature"], unknown: [] }]);
    expect(codes({ feature: " " })).toEqual([
      "guide.template_variables",
      { missing: ["feature"], unknown: [] },
    ]);
    expect(codes({ feature: "x", colour: "red" })).toEqual([
      "guide.template_variables",
      { missing: [], unknown: ["colour"] },
    ]);
  });
});
