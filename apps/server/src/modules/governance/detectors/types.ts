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
