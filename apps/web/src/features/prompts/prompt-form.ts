import type { PromptContent, PromptVersionStats, TemplateVariable } from "@parley/contracts";

/** A variable as the editor holds it: every field a string or flag, as inputs give them. */
export interface VariableDraft {
  name: string;
  type: TemplateVariable["type"];
  required: boolean;
  /** Comma-separated, for enums. */
  options: string;
  /** Empty: no default. */
  defaultValue: string;
}

/** The editor's draft of a version's content. */
export interface ContentDraft {
  kind: PromptContent["kind"];
  text: string;
  variables: VariableDraft[];
  instructions: string;
  model: string;
  temperature: string;
  maxOutputTokens: string;
}

/** The draft of an existing content, or of a new one of `kind`. */
export function draftOf(
  content: PromptContent | null,
  kind: PromptContent["kind"] = "template",
): ContentDraft {
  const blank: ContentDraft = {
    kind,
    text: "",
    variables: [],
    instructions: "",
    model: "",
    temperature: "",
    maxOutputTokens: "",
  };
  if (!content) return blank;
  if (content.kind === "template")
    return {
      ...blank,
      kind: "template",
      text: content.text,
      variables: content.variables.map((v) => ({
        name: v.name,
        type: v.type,
        required: v.required,
        options: (v.options ?? []).join(", "),
        defaultValue: v.default === undefined ? "" : String(v.default),
      })),
    };
  return {
    ...blank,
    kind: "persona",
    instructions: content.instructions,
    model: content.model ?? "",
    temperature: content.temperature === null ? "" : String(content.temperature),
    maxOutputTokens: content.maxOutputTokens === null ? "" : String(content.maxOutputTokens),
  };
}

/**
 * The request body of a draft: typed defaults (a number variable's default is a number), empty
 * fields left out. The server validates the rest (placeholders against variables).
 * @example contentOf({ ...draftOf(null), text: "Hi {{n}}", variables: [{ name: "n", type: "number", required: true, options: "", defaultValue: "2" }] })
 * // { kind: "template", text: "Hi {{n}}", variables: [{ name: "n", type: "number", required: true, default: 2 }] }
 */
export function contentOf(draft: ContentDraft): Record<string, unknown> {
  if (draft.kind === "persona")
    return {
      kind: "persona",
      instructions: draft.instructions,
      model: draft.model.trim() || null,
      temperature: draft.temperature.trim() ? Number(draft.temperature) : null,
      maxOutputTokens: draft.maxOutputTokens.trim() ? Number(draft.maxOutputTokens) : null,
    };
  return {
    kind: "template",
    text: draft.text,
    variables: draft.variables.map((v) => {
      const options = v.options
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean);
      const out: Record<string, unknown> = { name: v.name.trim(), type: v.type, required: v.required };
      if (v.type === "enum") out.options = options;
      if (v.defaultValue !== "") out.default = typedValue(v.type, v.defaultValue);
      return out;
    }),
  };
}

/** A value as typed in a field, converted to its variable's type. */
export function typedValue(type: TemplateVariable["type"], text: string): string | number | boolean {
  if (type === "number") return Number(text);
  if (type === "boolean") return text === "true";
  return text;
}

/** The placeholders a text uses, to offer them as variables. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1] ?? ""))];
}

/** Share of thumbs that are up, or null without any. */
export function approval(stats: Pick<PromptVersionStats, "thumbsUp" | "thumbsDown">): number | null {
  const total = stats.thumbsUp + stats.thumbsDown;
  return total ? stats.thumbsUp / total : null;
}

/** Micro-dollars as dollars, with enough digits to tell small costs apart. */
export function dollars(micros: number): string {
  return `$${(micros / 1_000_000).toFixed(micros < 10_000 ? 6 : 4)}`;
}
