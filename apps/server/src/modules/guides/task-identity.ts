import { diffArrays } from "diff";

/** A task as stored: its id and its text. */
export interface KnownTask {
  readonly id: string;
  readonly text: string;
}

/** Below this word similarity an edited task counts as another task. */
const SAME_TASK_SIMILARITY = 0.5;

/**
 * Carries task ids over an edit of a guide: `next` are the texts of the edited document's tasks,
 * in order; the result holds, for each, the id of the task it continues, or null for a new one.
 * Unchanged tasks keep their ids (matched in order, so duplicates pair up as they stand), a task
 * moved elsewhere keeps its id, and a task whose wording changed keeps it while at least half of
 * its words stay (Dice over words); every old id is used at most once.
 * @example carryIds([{ id: "a", text: "Write tests" }], ["Write the tests", "Deploy"]) // ["a", null]
 */
export function carryIds(previous: readonly KnownTask[], next: readonly string[]): (string | null)[] {
  const ids: (string | null)[] = next.map(() => null);
  const used = new Set<number>();
  // 1. Unchanged tasks, in order (a longest common subsequence of the texts).
  let oldAt = 0;
  let newAt = 0;
  for (const part of diffArrays(
    previous.map((t) => normalise(t.text)),
    next.map(normalise),
  )) {
    const count = part.count;
    if (part.added) newAt += count;
    else if (part.removed) oldAt += count;
    else {
      for (let k = 0; k < count; k++) {
        ids[newAt + k] = previous[oldAt + k]?.id ?? null;
        used.add(oldAt + k);
      }
      oldAt += count;
      newAt += count;
    }
  }
  // 2. Moved tasks: the same text elsewhere.
  for (let i = 0; i < next.length; i++) {
    if (ids[i] !== null) continue;
    const text = normalise(next[i] ?? "");
    const j = previous.findIndex((t, k) => !used.has(k) && normalise(t.text) === text);
    if (j !== -1) {
      ids[i] = previous[j]?.id ?? null;
      used.add(j);
    }
  }
  // 3. Reworded tasks: the most similar pairs first, then the nearest in the list.
  const pairs: { i: number; j: number; score: number; distance: number }[] = [];
  for (let i = 0; i < next.length; i++) {
    if (ids[i] !== null) continue;
    const words = wordsOf(next[i] ?? "");
    for (let j = 0; j < previous.length; j++) {
      if (used.has(j)) continue;
      const score = dice(words, wordsOf(previous[j]?.text ?? ""));
      if (score >= SAME_TASK_SIMILARITY) pairs.push({ i, j, score, distance: Math.abs(i - j) });
    }
  }
  pairs.sort((a, b) => b.score - a.score || a.distance - b.distance);
  for (const { i, j } of pairs) {
    if (ids[i] !== null || used.has(j)) continue;
    ids[i] = previous[j]?.id ?? null;
    used.add(j);
  }
  return ids;
}

function normalise(text: string): string {
  return text.replace(/\s+/g, " ").trim().toLowerCase();
}

function wordsOf(text: string): string[] {
  return normalise(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Dice coefficient of two word lists, counted as multisets. */
function dice(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const w of a) counts.set(w, (counts.get(w) ?? 0) + 1);
  let shared = 0;
  for (const w of b) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(w, n - 1);
    }
  }
  return (2 * shared) / (a.length + b.length);
}
