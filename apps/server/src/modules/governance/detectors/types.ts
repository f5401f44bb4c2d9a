import { createHash } from "node:crypto";

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
  /** Every match in `text`, ordered by start. */
  detect(text: string): Promise<DetectorMatch[]>;
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

/**
 * {@link Detector.holdFrom} for a detector whose matches consist only of characters that `chars`
 * accepts and span at most `maxLength` characters: the trailing run of such characters, no
 * longer than `maxLength` (a match of that length is complete, but what follows it may still
 * decide whether it is one, so the run keeps it).
 *
 * @example
 * holdTrailingRun("mail ann@ex", /\S/, 254); // 5: "ann@ex" may still become an address
 */
export function holdTrailingRun(text: string, chars: RegExp, maxLength: number): number {
  const floor = Math.max(0, text.length - maxLength);
  let at = text.length;
  while (at > floor && chars.test(text.charAt(at - 1))) at--;
  // A surrogate pair cut in two would put half a character out: keep the pair together.
  if (at > 0 && at < text.length && /[\uDC00-\uDFFF]/.test(text.charAt(at))) at--;
  return at;
}

/**
 * The SHA-256 (hex) of a match's slice of `text`, to record which text matched without keeping it.
 *
 * @example
 * fingerprint("mail a@b.io", { detector: "pii", kind: "email", start: 5, end: 11 }); // "9f2…"
 */
export function fingerprint(text: string, match: DetectorMatch): string {
  return createHash("sha256").update(text.slice(match.start, match.end), "utf8").digest("hex");
}

/** Matches ordered by start, then longest first, as every detector returns them. */
export function byPosition(a: DetectorMatch, b: DetectorMatch): number {
  return a.start - b.start || b.end - a.end;
}
