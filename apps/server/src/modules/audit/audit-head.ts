import { checkpointHash, headHash, type AuditKey, type SealedHead } from "./audit-hash.ts";
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
 * - an unsealed head (first append after the migration) is adopted: the batch seals it; but not
 *   once a checkpoint exists (`adoptUnsealed` false): then the head was sealed before, and an
 *   unsealed one was reset behind the application's back, which verification must still see.
 * @example
 * const { from, moveHead } = appendStart(key, await lastEntry(db), await readHeadRow(db));
 */
export function appendStart(
  key: AuditKey,
  last: ChainHead,
  row: HeadRow | null,
  adoptUnsealed = true,
): AppendStart {
  const state = headState(key, row);
  if (row === null || state === "missing" || state === "forged") return { from: last, moveHead: false };
  if (state === "unsealed") return { from: last, moveHead: adoptUnsealed };
  if (row.head_seq > last.seq) return { from: { seq: row.head_seq, hash: row.head_hash }, moveHead: true };
  if (row.head_seq === last.seq && row.head_hash !== last.hash) return { from: last, moveHead: false };
  return { from: last, moveHead: true };
}

/** Seals `head` as the new stored head. */
export function sealHead(key: AuditKey, head: ChainHead): HeadRow {
  const sealed = { head_seq: head.seq, head_hash: head.hash };
  return { ...sealed, hash: headHash(key, sealed) };
}

/** Where an intact walk ended, and what it saw at the seqs it was asked to watch. */
export interface WalkEnd {
  /** The last entry walked, else the anchor, else genesis. */
  end: ChainHead;
  /** The retention anchor's position (0 without one). */
  prunedThroughSeq: number;
  /**
   * The hash at `seq` as the walk saw it: the entry's, or the anchor's (genesis at 0) when `seq`
   * is exactly there; null when the walk did not pass it.
   */
  hashAt(seq: number): string | null;
}

/**
 * Compares an intact chain walk with the sealed head read before it: the walk must reach the
 * head and pass through it. Entries after the head are fine (appended during the walk, or between
 * an SQLite batch and its head update); entries missing before it are a truncation. `mustBeSealed`
 * (a checkpoint exists, so the head was sealed once) turns an unsealed head into a break.
 * @example
 * const broken = headBreak(key, row, walk, checkpoint !== null);
 */
export function headBreak(
  key: AuditKey,
  row: HeadRow | null,
  walk: WalkEnd,
  mustBeSealed: boolean,
): ChainBreak | null {
  switch (headState(key, row)) {
    case "unsealed":
      return mustBeSealed
        ? { seq: null, problem: "head_modified", reason: "the sealed head of the log was reset" }
        : null;
    case "missing":
      return { seq: null, problem: "head_missing", reason: "the sealed head of the log is missing" };
    case "forged":
      return { seq: null, problem: "head_modified", reason: "the sealed head of the log was modified" };
    case "sealed":
      return row ? positionBreak(row, walk, "truncated", "the sealed head") : null;
  }
}

/**
 * Compares an intact chain walk with the checkpoint kept outside the database: like the head,
 * the walk must reach it and pass through it, else the log (and its head) were rolled back.
 * @example
 * const broken = checkpointBreak(key, await checkpoints.read(), walk);
 */
export function checkpointBreak(key: AuditKey, row: HeadRow | null, walk: WalkEnd): ChainBreak | null {
  if (row === null) return null;
  if (row.hash === "" || checkpointHash(key, row) !== row.hash) {
    return {
      seq: null,
      problem: "checkpoint_modified",
      reason: "the checkpoint outside the database was modified",
    };
  }
  return positionBreak(row, walk, "rolled_back", "the checkpoint");
}

function positionBreak(
  row: HeadRow,
  walk: WalkEnd,
  behind: "truncated" | "rolled_back",
  name: string,
): ChainBreak | null {
  const seq = row.head_seq;
  const next = walk.end.seq + 1;
  if (seq > walk.end.seq) {
    const which = seq === next ? `entry ${next} is` : `entries ${next} to ${seq} are`;
    const where = behind === "truncated" ? "from the end of the log" : `behind ${name}`;
    return { seq: next, problem: behind, reason: `${which} missing ${where}` };
  }
  // A position behind the anchor points at pruned entries: nothing left to compare.
  if (seq < walk.prunedThroughSeq || walk.hashAt(seq) === row.head_hash) return null;
  return {
    seq,
    problem: behind === "truncated" ? "head_modified" : "rolled_back",
    reason: `entry ${seq} is not the entry ${name} names`,
  };
}
