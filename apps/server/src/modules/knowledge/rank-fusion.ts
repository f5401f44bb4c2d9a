/** A ranked item: higher scores first. */
export interface Ranked {
  chunkId: string;
  score: number;
}

/** Reciprocal rank fusion's constant, as in Cormack, Clarke and Büttcher (2009). */
export const RRF_K = 60;

/**
 * Fuses rankings by reciprocal rank: each item scores the sum of `1 / (k + rank)` over the lists
 * it is in. Equal scores in a list share a rank (1, 1, 3), so a tie in one ranking is broken by
 * the others rather than by the order the tied items happened to come in. Ties in the fused
 * score go to the item with the best single rank, then by id.
 * @param lists each sorted by score, highest first.
 * @example
 * fuseByRank([[{ chunkId: "a", score: 2 }, { chunkId: "b", score: 2 }], [{ chunkId: "b", score: 0.9 }]]);
 * // b (1/61 + 1/61) before a (1/61)
 */
export function fuseByRank(lists: readonly (readonly Ranked[])[], k = RRF_K): Ranked[] {
  const fused = new Map<string, { score: number; best: number }>();
  for (const list of lists) {
    let rank = 0;
    let previous: number | null = null;
    list.forEach((item, index) => {
      if (previous === null || !sameScore(item.score, previous)) rank = index + 1;
      previous = item.score;
      const entry = fused.get(item.chunkId) ?? { score: 0, best: Infinity };
      entry.score += 1 / (k + rank);
      entry.best = Math.min(entry.best, rank);
      fused.set(item.chunkId, entry);
    });
  }
  return [...fused]
    .sort(
      ([idA, a], [idB, b]) => b.score - a.score || a.best - b.best || (idA < idB ? -1 : idA > idB ? 1 : 0),
    )
    .map(([chunkId, { score }]) => ({ chunkId, score }));
}

/** Scores computed the same way for equally good items may differ in the last bits. */
function sameScore(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}
