import { headHash, type AuditKey, type SealedHead } from "./audit-hash.ts";
import type { ChainBreak } from "./audit-chain.ts";

/** The end of the chain a new entry links to: its seq and hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The sealed head as stored (`audit_head`). */
export interface HeadRow extends SealedHead {
  hash: string;
}

/**
 * What the stored head is worth: absent (deleted behind the application's back), not sealed yet
 * (as its migration left it), sealed with the audit key, or carrying a seal that does not match.
 */
export type HeadState = "missing" | "unsealed" | "sealed" | "forged";

/** Where the next batch of entries starts, and whether it may move the sealed head. */
export interface AppendStart {
  from: ChainHead;
  moveHead: boolean;
}

/**
 * Classifies a stored head.
 * @example
 * if (headState(key, row) === "forged") report("the sealed head was modified");
 */
export function headState(key: AuditKey, row: HeadRow | null): HeadState {
  if (row === null) return "missing";
  if (row.hash === "") return "unsealed";
  return headHash(key, row) === row.hash ? "sealed" : "forged";
}

/**
 * Decides where a batch starts from the last stored entry (`last`, else the retention anchor,
 * else genesis) and the sealed head, so that an append never erases the evidence of a
 * truncation:
 * - a valid head past `last` means the newest entries were deleted: the batch continues from the
 *   head, leaving the deleted seqs as a permanent gap that verification reports;
 * - a missing, forged or contradicted head (same seq, other hash) is left as it is for
 *   verification to report; the batch follows `last`;
 * - an unsealed head (first append after the migration) is adopted: the batch seals it.
 * @example
 * const { from, moveHead } = appendStart(key, await lastEntry(db), await readHeadRow(db));
 */
export function appendStart(key: AuditKey, last: ChainHead, row: HeadRow | null): AppendStart {
  const state = headState(key, row);
  if (row === null || state === "missing" || state === "forged") return { from: last, moveHead: false };
  if (state === "unsealed") return { from: last, moveHead: true };
  if (row.head_seq > last.seq) return { from: { seq: row.head_seq, hash: row.head_hash }, moveHead: true };
  if (row.head_seq === last.seq && row.head_hash !== last.hash) return { from: last, moveHead: false };
  return { from: last, moveHead: true };
}

/** Seals `head` as the new stored head. */
export function sealHead(key: AuditKey, head: ChainHead): HeadRow {
  const sealed = { head_seq: head.seq, head_hash: head.hash };
  return { ...sealed, hash: headHash(key, sealed) };
}

/** Where an intact walk ended, and what it saw at the head's seq. */
export interface WalkEnd {
  /** The last entry walked, else the anchor, else genesis. */
  end: ChainHead;
  /** The retention anchor's position (0 without one). */
  prunedThroughSeq: number;
  /**
   * The hash at the head's seq as the walk saw it: the entry's, or the anchor's (genesis at 0)
   * when the head sits exactly there; null when the walk did not pass it.
   */
  hashAtHead: string | null;
}

/**
 * Compares an intact chain walk with the head read before it: the walk must reach the head and
 * pass through it. Entries after the head are fine (appended during the walk, or between an
 * SQLite batch and its head update); entries missing before it are a truncation.
 * @example
 * const broken = headBreak(key, row, { end, prunedThroughSeq, hashAtHead });
 */
export function headBreak(key: AuditKey, row: HeadRow | null, walk: WalkEnd): ChainBreak | null {
  const next = walk.end.seq + 1;
  switch (headState(key, row)) {
    case "unsealed":
      return null;
    case "missing":
      return { seq: null, problem: "head_missing", reason: "the sealed head of the log is missing" };
    case "forged":
      return { seq: null, problem: "head_modified", reason: "the sealed head of the log was modified" };
    case "sealed":
      break;
  }
  if (row === null) return null;
  const headSeq = row.head_seq;
  if (headSeq > walk.end.seq) {
    const which = headSeq === next ? `entry ${next} is` : `entries ${next} to ${headSeq} are`;
    return { seq: next, problem: "truncated", reason: `${which} missing from the end of the log` };
  }
  // A head behind the anchor points at pruned entries: nothing left to compare.
  if (headSeq < walk.prunedThroughSeq || walk.hashAtHead === row.head_hash) return null;
  return {
    seq: headSeq,
    problem: "head_modified",
    reason: `entry ${headSeq} is not the entry the sealed head names`,
  };
}
