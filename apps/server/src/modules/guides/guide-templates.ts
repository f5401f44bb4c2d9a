import type { GuideTemplate, GuideTemplateVariable } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";

/** `{{ name }}`: a variable in a template's title or markdown. */
const VARIABLE = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;

const variable = (name: string, description: string, extra: Partial<GuideTemplateVariable> = {}) => ({
  name,
  description,
  required: true,
  ...extra,
});

/** The templates every team has: their ids start with `builtin:`. */
export const BUILT_IN_TEMPLATES: readonly GuideTemplate[] = [
  {
    id: "builtin:feature",
    teamId: null,
    builtIn: true,
    name: "Feature",
    description: "A new capability, from the problem to the release.",
    title: "Feature: {{feature}}",
    variables: [
      variable("feature", "What the feature is, in a few words"),
      variable("users", "Who it is for", { required: false, default: "our users" }),
    ],
    tags: ["feature"],
    createdAt: null,
    updatedAt: null,
    content: `# Feature: {{feature}}

For {{users}}.

## Understand
- [ ] Write down the problem {{feature}} solves and how we will know it works
- [ ] Agree on the scope and what is left out

## Design
- [ ] Sketch the API and data changes
- [ ] Review the design with the team

## Build
- [ ] Implement the data model and migrations
- [ ] Implement the API
- [ ] Implement the user interface
- [ ] Handle errors and empty states

## Verify
- [ ] Unit and integration tests
- [ ] Try it as a user would
- [ ] Update the documentation

## Release
- [ ] Ship it behind a flag or to a first group
- [ ] Watch metrics and errors after the release
`,
  },
  {
    id: "builtin:bugfix",
    teamId: null,
    builtIn: true,
    name: "Bug fix",
    description: "Reproduce, find the cause, fix it, keep it fixed.",
    title: "Fix: {{bug}}",
    variables: [
      variable("bug", "The bug in a few words"),
      variable("reportedBy", "Where it was reported", { required: false, default: "an issue" }),
    ],
    tags: ["bug"],
    createdAt: null,
    updatedAt: null,
    content: `# Fix: {{bug}}

Reported in {{reportedBy}}.

## Reproduce
- [ ] Reproduce the bug with the smallest steps
- [ ] Write a failing test that shows it

## Find the cause
- [ ] Find the root cause, not only the symptom
- [ ] Check where else the same mistake could be

## Fix
- [ ] Fix the cause
- [ ] Make the failing test pass without loosening it

## Close
- [ ] Review the change
- [ ] Tell the reporter and link the fix
`,
  },
  {
    id: "builtin:refactor",
    teamId: null,
    builtIn: true,
    name: "Refactor",
    description: "Change the structure of code without changing what it does.",
    title: "Refactor: {{area}}",
    variables: [
      variable("area", "The code to restructure"),
      variable("goal", "What gets better", { required: false, default: "easier to change" }),
    ],
    tags: ["refactor"],
    createdAt: null,
    updatedAt: null,
    content: `# Refactor: {{area}}

Goal: {{goal}}.

## Safety net
- [ ] Make sure tests cover today's behaviour of {{area}}
- [ ] Measure what the goal is about (complexity, speed, size) before changing anything

## Restructure
- [ ] Move in small steps, each one green
- [ ] Remove the code the new structure makes dead

## Check
- [ ] Compare the measurements with the ones before
- [ ] Review the change with someone who knows {{area}}
`,
  },
  {
    id: "builtin:service",
    teamId: null,
    builtIn: true,
    name: "Service from scratch",
    description: "A new service, from an empty repository to production.",
    title: "New service: {{service}}",
    variables: [
      variable("service", "The service's name"),
      variable("language", "Language and framework", { required: false, default: "TypeScript" }),
    ],
    tags: ["service"],
    createdAt: null,
    updatedAt: null,
    content: `# New service: {{service}}

Built with {{language}}.

## Foundations
- [ ] Create the repository with linting, formatting and type checks
- [ ] Set up CI that runs the tests on every change
- [ ] Write the README: what {{service}} does and how to run it

## Core
- [ ] Define the API contract
- [ ] Implement the first endpoint end to end
- [ ] Add persistence and migrations
- [ ] Add configuration and secrets handling

## Operations
- [ ] Health checks, logs and metrics
- [ ] Container image and deployment manifests
- [ ] Alerts for what needs a human

## Launch
- [ ] Load test the main path
- [ ] Deploy to staging, then production
`,
  },
];

/**
 * A template's title and markdown with its variables filled in: given values, else defaults.
 * @throws AppError `guide.template_variables` when a required value is missing, or a value is
 * given for a variable the template does not have.
 */
export function renderTemplate(
  template: Pick<GuideTemplate, "title" | "content" | "variables">,
  values: Readonly<Record<string, string>>,
): { title: string; content: string } {
  const known = new Map(template.variables.map((v) => [v.name, v]));
  const unknown = Object.keys(values).filter((name) => !known.has(name));
  const missing = template.variables
    .filter((v) => v.required && v.default === undefined && !values[v.name]?.trim())
    .map((v) => v.name);
  if (unknown.length || missing.length)
    throw new AppError(
      "guide.template_variables",
      [
        missing.length ? `Missing: ${missing.join(", ")}` : "",
        unknown.length ? `Not in the template: ${unknown.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; "),
      { details: { missing, unknown } },
    );
  const fill = (text: string) =>
    text.replace(VARIABLE, (whole, name: string) => {
      const v = known.get(name);
      if (!v) return whole;
      const given = values[name]?.trim();
      return given ? given : (v.default ?? "");
    });
  return { title: fill(template.title).replace(/\s+/g, " ").trim(), content: fill(template.content) };
}

/** The variables a template's text uses, each once, in order of appearance. */
export function variablesUsed(...texts: string[]): string[] {
  const names = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(VARIABLE)) if (match[1]) names.add(match[1]);
  return [...names];
}
