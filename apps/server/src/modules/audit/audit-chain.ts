import type { AuditProblem } from "@parley/contracts";
import { anchorHash, entryHash, GENESIS_HASH, type AuditKey } from "./audit-hash.ts";
import type { AnchorRow, AuditRow } from "./audit.repository.ts";

/** The first problem found in the chain: a stable code and a sentence for people. */
export interface ChainBreak {
  seq: number | null;
  problem: AuditProblem;
  reason: string;
}

/**
 * Checks a chain walk one entry at a time, oldest first, keeping only the previous entry: the
 * walk can cover any number of entries in batches.
 *
 * The chain is intact when the anchor (if any) carries a valid seal; the first entry is
 * `pruned_through_seq + 1` (1 without an anchor) and links to the anchor's `last_pruned_hash`
 * (genesis without one); every entry's hash matches its fields; seqs follow each other without
 * gaps; and every `prev_hash` is the hash of the entry before.
 * @example
 * const checker = new ChainChecker(key, anchor);
 * for (const row of rows) { const broken = checker.next(row); if (broken) return broken; }
 */
export class ChainChecker {
  readonly #key: AuditKey;
  readonly #anchor: AnchorRow | null;
  #expectedSeq: number;
  #expectedPrev: string;
  #checked = 0;

  constructor(key: AuditKey, anchor: AnchorRow | null) {
    this.#key = key;
    this.#anchor = anchor;
    this.#expectedSeq = (anchor?.pruned_through_seq ?? 0) + 1;
    this.#expectedPrev = anchor?.last_pruned_hash ?? GENESIS_HASH;
  }

  /** Entries found intact so far. */
  get checked(): number {
    return this.#checked;
  }

  /** Whether the anchor's seal matches its fields; always true without an anchor. */
  anchorIntact(): boolean {
    return this.#anchor === null || anchorHash(this.#key, this.#anchor) === this.#anchor.hash;
  }

  /** Where the intact part of the walk ends: the last entry checked, else the anchor, else genesis. */
  get end(): { seq: number; hash: string } {
    return { seq: this.#expectedSeq - 1, hash: this.#expectedPrev };
  }

  /** Checks the next entry of the walk; returns the break it shows, or null. */
  next(row: AuditRow): ChainBreak | null {
    const first = this.#checked === 0;
    if (row.seq < this.#expectedSeq) {
      // Only possible for the first entry: later ones come in increasing seq order.
      return {
        seq: row.seq,
        problem: "out_of_order",
        reason: `entry ${row.seq} is older than the retention anchor (pruned through ${this.#expectedSeq - 1})`,
      };
    }
    if (row.seq > this.#expectedSeq) {
      const from = this.#expectedSeq;
      const to = row.seq - 1;
      return {
        seq: from,
        problem: "missing",
        reason: from === to ? `entry ${from} is missing` : `entries ${from} to ${to} are missing`,
      };
    }
    if (entryHash(this.#key, row) !== row.hash)
      return { seq: row.seq, problem: "modified", reason: `entry ${row.seq} was modified` };
    if (row.prev_hash !== this.#expectedPrev) {
      const previous = first
        ? this.#anchor
          ? "the retention anchor"
          : "the start of the log"
        : `entry ${row.seq - 1}`;
      return { seq: row.seq, problem: "unlinked", reason: `entry ${row.seq} does not link to ${previous}` };
    }
    this.#checked++;
    this.#expectedSeq = row.seq + 1;
    this.#expectedPrev = row.hash;
    return null;
  }
}
