import type { PiiKind } from "@parley/contracts";
import { PII_FINDERS, PII_MAX_LENGTH } from "./pii-finders.ts";
import {
  byPosition,
  holdTrailingRun,
  isDigit,
  isSpace,
  type CharTest,
  type Detector,
  type DetectorMatch,
} from "./types.ts";

/**
 * The characters a match of each kind can hold (a superset: what a finder's pattern and its
 * separators allow), for holding back a stream's tail.
 */
const PII_CHARS: Readonly<Record<PiiKind, CharTest>> = {
  // \S
  email: (c) => !isSpace(c),
  // [\d+().\-/ ]
  phone: (c) =>
    isDigit(c) || c === 43 || c === 40 || c === 41 || c === 46 || c === 45 || c === 47 || c === 32,
  // [\d -]
  card: (c) => isDigit(c) || c === 32 || c === 45,
  // [A-Z0-9 ]
  iban: (c) => isDigit(c) || (c >= 65 && c <= 90) || c === 32,
  // [0-9A-Fa-f:.]
  ip: (c) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 58 || c === 46,
};

const DIGIT = /\d/;

/**
 * Finds personal data of the given kinds: e-mail addresses, phone numbers, payment cards (Luhn
 * checked), IBANs (length and mod-97 checked) and IPv4/IPv6 addresses (validated by `node:net`).
 * Each match's `kind` is the PII kind, so redaction names it (`<EMAIL_1>`, `<CARD_1>`).
 *
 * @example
 * await piiDetector(["email"]).detect("write to ann@example.org"); // [{ kind: "email", start: 9, end: 24, … }]
 */
export function piiDetector(kinds: readonly PiiKind[]): Detector {
  const unique = [...new Set(kinds)];
  const reach = Math.max(0, ...unique.map((k) => PII_MAX_LENGTH[k]));
  const runs = unique.map((k) => ({ chars: PII_CHARS[k], maxLength: PII_MAX_LENGTH[k] }));
  return {
    id: "pii",
    kind: "pii",
    maxMatchLength: Math.max(0, ...unique.map((k) => PII_MAX_LENGTH[k])),
    detect(text: string): DetectorMatch[] {
      // Every kind but e-mail needs a digit, e-mail an `@`: most prose has neither, and the
      // finders' expressions cost tens of µs a call in the serving process (bench/README.md).
      const hasDigit = DIGIT.test(text);
      const hasAt = text.includes("@");
      const matches = unique.flatMap((kind) =>
        (kind === "email" ? hasAt : hasDigit)
          ? PII_FINDERS[kind](text).map((s): DetectorMatch => ({ detector: "pii", kind, ...s }))
          : [],
      );
      return withoutNested(matches.sort(byPosition));
    },
    // Every kind needs a digit (IPv6 too, as the finder requires) or, for an address, an `@`:
    // none within a match's reach of the part, no match can overlap it.
    mayMatch(text: string, from: number, to: number): boolean {
      const end = Math.min(text.length, to + reach);
      for (let at = Math.max(0, from - reach); at < end; at++) {
        const code = text.charCodeAt(at);
        if (isDigit(code) || code === 64) return true;
      }
      return false;
    },
    holdFrom(text: string): number {
      let at = text.length;
      for (const run of runs) at = Math.min(at, holdTrailingRun(text, run.chars, run.maxLength));
      // No match of any kind starts with a space: a run's leading spaces can go out (they stay
      // in view of the next check), so a blocked match does not take the space before it along.
      while (at < text.length && text.charAt(at) === " ") at++;
      return at;
    },
  };
}

/**
 * Drops a match that lies inside an earlier one of the same kind (the IPv4 tail of
 * `::ffff:192.0.2.128`, the national part of `+1 (555) 123-4567`). Expects matches by position.
 */
function withoutNested(sorted: DetectorMatch[]): DetectorMatch[] {
  const kept: DetectorMatch[] = [];
  const reach = new Map<string, number>();
  for (const m of sorted) {
    if ((reach.get(m.kind) ?? -1) >= m.end) continue;
    kept.push(m);
    reach.set(m.kind, Math.max(reach.get(m.kind) ?? -1, m.end));
  }
  return kept;
}
