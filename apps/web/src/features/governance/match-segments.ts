import type { DryRunResult } from "@parley/contracts";

/** Where one rule matched the sample. */
export interface Hit {
  rule: string;
  kind: string;
}

/** A run of the sample: plain, or matched by the `hits` that cover it. */
export interface Segment {
  text: string;
  start: number;
  hits: Hit[];
}

/**
 * The sample cut at every match's start and end, each piece with the matches covering it (rules'
 * matches may overlap), for highlighting with `<mark>`.
 * @example
 * segmentsOf("mail a@b.co", rules).map((s) => s.hits.length > 0) // [false, true]
 */
export function segmentsOf(text: string, rules: DryRunResult["rules"]): Segment[] {
  const matches = rules.flatMap((r) =>
    r.matches
      .filter((m) => m.start < m.end && m.start >= 0 && m.end <= text.length)
      .map((m) => ({ ...m, rule: r.name })),
  );
  const cuts = [...new Set([0, text.length, ...matches.flatMap((m) => [m.start, m.end])])].sort(
    (a, b) => a - b,
  );
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const start = cuts[i] ?? 0;
    const end = cuts[i + 1] ?? text.length;
    const hits = matches
      .filter((m) => m.start <= start && m.end >= end)
      .map(({ rule, kind }) => ({ rule, kind }));
    const last = segments.at(-1);
    // Neighbouring plain runs are one.
    if (last && hits.length === 0 && last.hits.length === 0) last.text += text.slice(start, end);
    else segments.push({ text: text.slice(start, end), start, hits });
  }
  return segments;
}

/** What a highlighted run is, for its title and for screen readers: "email (Redact PII)". */
export function hitLabel(hits: readonly Hit[]): string {
  return hits.map((h) => `${h.kind} (${h.rule})`).join("; ");
}
