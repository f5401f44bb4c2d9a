import type { TemplateContent, TemplateVariable } from "@parley/contracts";

/** One problem with a template or with the variables it is rendered with. */
export interface TemplateIssue {
  /** The variable (or placeholder) concerned, empty for the whole template. */
  variable: string;
  message: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * The variable names a template's text uses, in order of first use.
 * @example placeholders("Hi {{ name }}, {{name}} again") // ["name"]
 */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/**
 * What is wrong with a template version: a placeholder not declared, a declared variable never
 * used, a name declared twice, options on a non-enum or none on an enum, a default of the wrong
 * type. Empty when it is fine.
 */
export function templateIssues(content: TemplateContent): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const declared = new Map<string, TemplateVariable>();
  for (const v of content.variables) {
    if (declared.has(v.name)) issues.push({ variable: v.name, message: "declared more than once" });
    declared.set(v.name, v);
    if (v.type === "enum" && !v.options?.length)
      issues.push({ variable: v.name, message: "an enum variable needs options" });
    if (v.type !== "enum" && v.options)
      issues.push({ variable: v.name, message: "only an enum variable has options" });
    if (v.default !== undefined) {
      const problem = valueProblem(v, v.default);
      if (problem) issues.push({ variable: v.name, message: `default: ${problem}` });
    }
  }
  const used = placeholders(content.text);
  for (const name of used)
    if (!declared.has(name))
      issues.push({ variable: name, message: `the placeholder {{${name}}} is not declared` });
  for (const name of declared.keys())
    if (!used.includes(name))
      issues.push({ variable: name, message: `declared but never used as {{${name}}}` });
  return issues;
}

/**
 * Renders a (valid) template: each placeholder replaced by its variable's value, else its default.
 * @returns the text, or the issues with `values` (missing, unknown, of the wrong type).
 * @example render({ kind: "template", text: "Hi {{n}}", variables: [{ name: "n", type: "string", required: true }] }, { n: "Ann" })
 * // { text: "Hi Ann", issues: [] }
 */
export function render(
  content: TemplateContent,
  values: Readonly<Record<string, string | number | boolean>>,
): { text: string; issues: TemplateIssue[] } {
  const issues: TemplateIssue[] = [];
  const byName = new Map(content.variables.map((v) => [v.name, v]));
  for (const name of Object.keys(values))
    if (!byName.has(name)) issues.push({ variable: name, message: "no such variable" });
  const resolved = new Map<string, string>();
  for (const v of content.variables) {
    const value = Object.hasOwn(values, v.name) ? values[v.name] : v.default;
    if (value === undefined) {
      if (v.required) issues.push({ variable: v.name, message: "required" });
      else resolved.set(v.name, "");
      continue;
    }
    const problem = valueProblem(v, value);
    if (problem) issues.push({ variable: v.name, message: problem });
    else resolved.set(v.name, String(value));
  }
  if (issues.length) return { text: "", issues };
  const text = content.text.replace(PLACEHOLDER, (_, name: string) => resolved.get(name) ?? "");
  return { text, issues };
}

function valueProblem(v: TemplateVariable, value: string | number | boolean): string | null {
  switch (v.type) {
    case "string":
      return typeof value === "string" ? null : `expected a string, got ${typeof value}`;
    case "number":
      return typeof value === "number" && Number.isFinite(value)
        ? null
        : `expected a number, got ${typeof value}`;
    case "boolean":
      return typeof value === "boolean" ? null : `expected a boolean, got ${typeof value}`;
    case "enum":
      return typeof value === "string" && (v.options ?? []).includes(value)
        ? null
        : `expected one of ${(v.options ?? []).join(", ")}`;
  }
}
