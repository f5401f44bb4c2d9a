import { hash } from "node:crypto";
import type { MaybePromise } from "../../../kernel/maybe-promise.ts";

/**
 * One place a detector found something: character offsets (UTF-16 code units, as `String#slice`
 * counts) into the scanned text. The matched text itself is never kept in a match, so a match can
 * be logged or recorded; use {@link fingerprint} to refer to it in a decision record.
 */
export interface DetectorMatch {
  /** The detector's id, e.g. `pii` or `secrets`. */
  detector: string;
  /** What was found, e.g. `email`, `card`, `secret`, `keyword`; names the redaction placeholder. */
  kind: string;
  start: number;
  end: number;
}

/** Something that finds sensitive spans in a text. */
export interface Detector {
  id: string;
  kind: string;
  /** Longest text a match can span, for the streaming hold-back window. */
  maxMatchLength: number;
  /**
   * Every match in `text`, ordered by start: synchronously when the scan is (the built-in
   * detectors almost always are), so a check needs no promise on the hot path.
   */
  detect(text: string): MaybePromise<DetectorMatch[]>;
  /**
   * Where, in a text that may still go on (a stream), a match could be unfinished: the start of
   * the shortest tail to hold back, `text.length` when none. Everything before it can be
   * checked and released: no match that is still growing starts there.
   */
  holdFrom(text: string): number;
  /**
   * Optional, for streams: false when no match of this detector can overlap `text[from, to)`, so
   * a check of that part can be skipped (a cheap look before an expensive scan). Absent: maybe.
   */
  mayMatch?(text: string, from: number, to: number): boolean;
}

/** Whether a character (a UTF-16 code unit) can be part of a match; see {@link holdTrailingRun}. */
export type CharTest = (code: number) => boolean;

/**
 * {@link Detector.holdFrom} for a detector whose matches consist only of characters that `chars`
 * accepts and span at most `maxLength` characters: the trailing run of such characters, no
 * longer than `maxLength` (a match of that length is complete, but what follows it may still
 * decide whether it is one, so the run keeps it). `chars` takes a code unit, not a one-character
 * string and a regex: this runs on every delta of a stream.
 *
 * @example
 * holdTrailingRun("mail ann@ex", (c) => !isSpace(c), 254); // 5: "ann@ex" may still become an address
 */
export function holdTrailingRun(text: string, chars: CharTest, maxLength: number): number {
  const floor = Math.max(0, text.length - maxLength);
  let at = text.length;
  while (at > floor && chars(text.charCodeAt(at - 1))) at--;
  // A surrogate pair cut in two would put half a character out: keep the pair together.
  if (at > 0 && at < text.length && isLowSurrogate(text.charCodeAt(at))) at--;
  return at;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Whether `code` is an ASCII digit. */
export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Whether `code` is whitespace as a regex's `\s` has it (ASCII and Unicode spaces, line ends, BOM). */
export function isSpace(code: number): boolean {
  return (
    code === 32 ||
    (code >= 9 && code <= 13) ||
    code === 0xa0 ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x3000 ||
    code === 0xfeff ||
    code === 0x1680 ||
    code === 0x202f ||
    code === 0x205f
  );
}

/**
 * The SHA-256 (hex) of a match's slice of `text`, to record which text matched without keeping it.
 *
 * @example
 * fingerprint("mail a@b.io", { detector: "pii", kind: "email", start: 5, end: 11 }); // "9f2…"
 */
export function fingerprint(text: string, match: DetectorMatch): string {
  // The one-shot form: no Hash object per match (a few µs each on the prompt path).
  return hash("sha256", text.slice(match.start, match.end), "hex");
}

/** Matches ordered by start, then longest first, as every detector returns them. */
export function byPosition(a: DetectorMatch, b: DetectorMatch): number {
  return a.start - b.start || b.end - a.end;
}
