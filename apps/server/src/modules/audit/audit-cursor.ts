import { invalidCursor } from "./audit.errors.ts";

const CURSOR = /^v1:([1-9][0-9]{0,15})$/;

/**
 * The opaque cursor of a page that ended at entry `seq`: the next page holds older entries.
 * Keyed by seq, so entries appended meanwhile neither repeat nor shift later pages.
 * @example
 * decodeCursor(encodeCursor(42)); // 42
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`v1:${seq}`).toString("base64url");
}

/**
 * The seq a cursor made by {@link encodeCursor} stands for.
 * @throws AppError `audit.cursor_invalid` for anything else.
 */
export function decodeCursor(cursor: string): number {
  const match = CURSOR.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  const seq = match?.[1] === undefined ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(seq) || encodeCursor(seq) !== cursor) throw invalidCursor(cursor);
  return seq;
}
