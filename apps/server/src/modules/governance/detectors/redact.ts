import type { DetectorMatch } from "./types.ts";

/** A redacted text and how to put its originals back: placeholder → original text. */
export interface Redaction {
  text: string;
  restore: Map<string, string>;
}

/** What a placeholder looks like: `<EMAIL_1>`, `<SECRET_12>`, `<KEYWORD_3>`. */
export const PLACEHOLDER = /<[A-Z][A-Z0-9_]*_\d+>/g;

/**
 * Replaces every matched span with a placeholder named after its kind, numbered per kind; the
 * same original text gets the same placeholder, so a model can still tell two addresses apart.
 * Overlapping matches are merged into one span (named after the first), so no part of either
 * leaks. A placeholder that already occurs in the text is skipped, so restoring never rewrites
 * text the user wrote.
 *
 * @example
 * redact("mail ann@x.io", [{ detector: "pii", kind: "email", start: 5, end: 13 }]);
 * // { text: "mail <EMAIL_1>", restore: Map { "<EMAIL_1>" => "ann@x.io" } }
 */
export function redact(text: string, matches: readonly DetectorMatch[]): Redaction {
  const redactor = new Redactor(text);
  return { text: redactor.redact(text, matches), restore: redactor.restore };
}

/**
 * {@link redact} over several texts of one call (a prompt's messages): the same original gets the
 * same placeholder in all of them, and numbering goes on from one text to the next.
 *
 * @example
 * const r = new Redactor(allTexts.join("\n"));
 * const a = r.redact(system, systemMatches);
 * const b = r.redact(user, userMatches); // <EMAIL_1> again for the same address
 */
export class Redactor {
  /** Placeholder → original text, for everything redacted so far. */
  readonly restore = new Map<string, string>();
  readonly #avoid: string;
  readonly #byOriginal = new Map<string, string>();
  readonly #counters = new Map<string, number>();

  /** `avoid`: every text that will be redacted, so that no placeholder already occurs in one. */
  constructor(avoid: string) {
    this.#avoid = avoid;
  }

  redact(text: string, matches: readonly DetectorMatch[]): string {
    let out = "";
    let at = 0;
    for (const span of merge(matches, text.length)) {
      const original = text.slice(span.start, span.end);
      const key = `${span.kind}\u0000${original}`;
      let placeholder = this.#byOriginal.get(key);
      if (placeholder === undefined) {
        const label = labelOf(span.kind);
        let n = this.#counters.get(label) ?? 0;
        do placeholder = `<${label}_${++n}>`;
        while (this.#avoid.includes(placeholder));
        this.#counters.set(label, n);
        this.#byOriginal.set(key, placeholder);
        this.restore.set(placeholder, original);
      }
      out += text.slice(at, span.start) + placeholder;
      at = span.end;
    }
    return out + text.slice(at);
  }
}

/**
 * Replaces matched spans for good, with `[redacted email]`-style marks that no restore map knows:
 * what a model's answer must not show.
 *
 * @example
 * mask("mail ann@x.io", [{ detector: "pii", kind: "email", start: 5, end: 13 }]); // "mail [redacted email]"
 */
export function mask(text: string, matches: readonly DetectorMatch[]): string {
  let out = "";
  let at = 0;
  for (const span of merge(matches, text.length)) {
    out += `${text.slice(at, span.start)}[redacted ${span.kind}]`;
    at = span.end;
  }
  return out + text.slice(at);
}

/**
 * Puts the originals back into a text that holds placeholders from {@link redact}; placeholders
 * it does not know are left as they are.
 *
 * @example
 * restore("Hi <EMAIL_1>", new Map([["<EMAIL_1>", "ann@x.io"]])); // "Hi ann@x.io"
 */
export function restore(text: string, map: ReadonlyMap<string, string>): string {
  // Most of a streamed answer has no placeholder: no regex run for it.
  if (!text.includes("<")) return text;
  return text.replace(PLACEHOLDER, (p) => map.get(p) ?? p);
}

/** `email` → `EMAIL`, `credit-card` → `CREDIT_CARD`; always starts with a letter. */
function labelOf(kind: string): string {
  const name = kind
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (name === "") return "REDACTED";
  return /^[A-Z]/.test(name) ? name : `X_${name}`;
}

interface Span {
  kind: string;
  start: number;
  end: number;
}

/** Matches clamped to the text, sorted, and overlapping ones joined. */
function merge(matches: readonly DetectorMatch[], length: number): Span[] {
  const sorted = matches
    .map((m) => ({ kind: m.kind, start: Math.max(0, m.start), end: Math.min(length, m.end) }))
    .filter((m) => m.end > m.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const spans: Span[] = [];
  for (const m of sorted) {
    const last = spans.at(-1);
    if (last && m.start < last.end) last.end = Math.max(last.end, m.end);
    else spans.push({ ...m });
  }
  return spans;
}
