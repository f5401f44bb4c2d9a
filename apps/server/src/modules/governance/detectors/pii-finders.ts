import { isIP } from "node:net";
import type { PiiKind } from "@parley/contracts";
import { findCards } from "./card-finder.ts";
import { ibanLength, ibanValid } from "./checksums.ts";

/** A span a finder accepted, before it becomes a {@link DetectorMatch}. */
export interface Span {
  start: number;
  end: number;
}

type Finder = (text: string) => Span[];

/** Collects every match of a global pattern that `accept` keeps, as spans. */
function scan(text: string, pattern: RegExp, accept: (m: RegExpExecArray) => Span | null): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(pattern)) {
    const span = accept(m);
    if (span) spans.push(span);
  }
  return spans;
}

function digitCount(s: string): number {
  let n = 0;
  for (const ch of s) if (ch >= "0" && ch <= "9") n++;
  return n;
}

// Local part and labels in any script; the lookarounds keep `a@b.co` inside `(a@b.co).` clean.
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}_%+-]+(?:\.[\p{L}\p{N}_%+-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}_-])/gu;

function findEmails(text: string): Span[] {
  return scan(text, EMAIL, (m) => ({ start: m.index, end: m.index + m[0].length }));
}

// `+` and a country code, then digit groups split by one space, dot, dash or a parenthesised
// area code: `+49 30 1234567`, `+1 (555) 123-4567`, `+44-20-7946-0958`.
const INTERNATIONAL_PHONE = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,5}){2,6}(?![\w])/g;
// Without `+`, only shapes that plain numbers, years and ids do not have: a trunk `0` with a
// separator (`030 1234567`, `06 12 34 56 78`), or the North American `(555) 123-4567` and
// `555-123-4567`.
const NATIONAL_PHONE =
  /(?<![\w.+-])(?:\(\d{3}\)[ ]?\d{3}[-. ]\d{4}|\d{3}([-. ])\d{3}\1\d{4}|\(?0\d{1,4}\)?(?:[ /-]\d{2,8}){1,4})(?![\w-]|\.\d)/g;

function findPhones(text: string): Span[] {
  const international = scan(text, INTERNATIONAL_PHONE, (m) => {
    const digits = digitCount(m[0]);
    // E.164 allows at most 15 digits; fewer than 8 is a short code or a number, not a phone.
    return digits >= 8 && digits <= 15 ? { start: m.index, end: m.index + m[0].length } : null;
  });
  const national = scan(text, NATIONAL_PHONE, (m) => {
    const digits = digitCount(m[0]);
    return digits >= 9 && digits <= 12 ? { start: m.index, end: m.index + m[0].length } : null;
  });
  return [...international, ...national];
}

// Country, check digits, then the account in groups of four (print form) or compact.
const IBAN_CANDIDATE = /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/gu;

function findIbans(text: string): Span[] {
  return scan(text, IBAN_CANDIDATE, (m) => {
    const raw = m[0];
    // The candidate may run into a following word (`… 0130 00 EUR`): cut it at the country's
    // length when the table knows it, else at the first space followed by a non-group.
    const want = ibanLength(raw.slice(0, 2));
    let compact = "";
    let end = 0;
    for (const ch of raw) {
      end++;
      if (ch === " ") continue;
      compact += ch;
      if (want !== undefined && compact.length === want) break;
    }
    const next = text[m.index + end];
    if (next !== undefined && /[\p{L}\p{N}]/u.test(next)) return null;
    return ibanValid(compact) ? { start: m.index, end: m.index + end } : null;
  });
}

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
// Hex groups with colons (and an optional dotted IPv4 tail); `isIP` decides.
const IPV6 =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)/g;

function findIps(text: string): Span[] {
  const v4 = scan(text, IPV4, (m) =>
    isIP(m[0]) === 4 ? { start: m.index, end: m.index + m[0].length } : null,
  );
  const v6 = scan(text, IPV6, (m) =>
    // A digit keeps C++'s `Foo::bar` and words like `dead::beef` out.
    isIP(m[0]) === 6 && /\d/.test(m[0]) ? { start: m.index, end: m.index + m[0].length } : null,
  );
  return [...v4, ...v6];
}

/** One finder per PII kind; the longest span each can produce is in {@link PII_MAX_LENGTH}. */
export const PII_FINDERS: Readonly<Record<PiiKind, Finder>> = {
  email: findEmails,
  phone: findPhones,
  card: findCards,
  iban: findIbans,
  ip: findIps,
};

/** Longest text a match of each kind can span (an e-mail address is at most 254 characters). */
export const PII_MAX_LENGTH: Readonly<Record<PiiKind, number>> = {
  email: 254,
  phone: 32,
  card: 19 + 18,
  iban: 34 + 8,
  ip: 45,
};
