import type { PromptContent, PromptDiff } from "@parley/contracts";
import { structuredPatch } from "diff";

/** The parts of a version a diff compares. */
export interface DiffableVersion {
  version: number;
  name: string;
  description: string;
  content: PromptContent;
}

/**
 * A version as the text its diff is made of: a header line per setting (name, description,
 * variables or model and parameters), a blank line, then the template text or the instructions.
 * A change of a setting is one changed line; a change of the text, the lines it touched.
 */
export function versionText(v: DiffableVersion): string {
  const lines = [`name: ${v.name}`, `description: ${v.description}`];
  const c = v.content;
  if (c.kind === "template") {
    for (const variable of c.variables) {
      const parts: string[] = [variable.type];
      if (variable.options) parts.push(`options ${variable.options.join("|")}`);
      parts.push(variable.required ? "required" : "optional");
      if (variable.default !== undefined) parts.push(`default ${JSON.stringify(variable.default)}`);
      lines.push(`variable ${variable.name}: ${parts.join(", ")}`);
    }
    return `${lines.join("\n")}\n\n${c.text}\n`;
  }
  lines.push(
    `model: ${c.model ?? "(default)"}`,
    `temperature: ${c.temperature ?? "(default)"}`,
    `max output tokens: ${c.maxOutputTokens ?? "(default)"}`,
  );
  return `${lines.join("\n")}\n\n${c.instructions}\n`;
}

/** The line diff between two versions, as hunks with three lines of context (the `diff` package). */
export function diffVersions(promptId: string, from: DiffableVersion, to: DiffableVersion): PromptDiff {
  const patch = structuredPatch(
    `v${from.version}`,
    `v${to.version}`,
    versionText(from),
    versionText(to),
    undefined,
    undefined,
    { context: 3 },
  );
  let added = 0;
  let removed = 0;
  const hunks = patch.hunks.map((h) => {
    for (const line of h.lines) {
      if (line.startsWith("+")) added += 1;
      else if (line.startsWith("-")) removed += 1;
    }
    return {
      oldStart: h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newStart,
      newLines: h.newLines,
      lines: h.lines,
    };
  });
  return { promptId, from: from.version, to: to.version, hunks, added, removed };
}
