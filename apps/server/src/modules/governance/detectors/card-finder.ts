import { luhnValid } from "./checksums.ts";

interface Group {
  start: number;
  end: number;
  digits: string;
}

/** A span of `text` that holds a payment card number. */
export interface CardSpan {
  start: number;
  end: number;
}

// Runs of digit groups joined by single spaces or dashes; cards are looked for inside a run, so a
// card next to other numbers (`4111 1111 1111 1111 05/27`, `qty 2 4111…`) is still found.
const DIGIT_RUN = /(?<![\w.,])\d+(?:[ -]\d+)*(?![\w]|[.,]\d)/g;
// Printed cards group digits by 4 (4-4-4-4, 4-4-4-4-3) or 4-6-5 / 4-6-4.
const MIN_GROUP = 3;
const MAX_GROUP = 6;
const MAX_GROUPS = 8;

/**
 * Finds payment card numbers: 13 to 19 digits, compact or in groups of 3 to 6 split by single
 * spaces or dashes, whose Luhn check holds. Inside a run of numbers the longest valid card wins.
 *
 * @example
 * findCards("card 4111 1111 1111 1111 exp 05/27"); // [{ start: 5, end: 24 }]
 */
export function findCards(text: string): CardSpan[] {
  const spans: CardSpan[] = [];
  for (const run of text.matchAll(DIGIT_RUN)) {
    const groups = [...run[0].matchAll(/\d+/g)].map((g): Group => ({
      start: run.index + g.index,
      end: run.index + g.index + g[0].length,
      digits: g[0],
    }));
    spans.push(...cardsIn(groups));
  }
  return spans;
}

function cardsIn(groups: Group[]): CardSpan[] {
  const found: CardSpan[] = [];
  for (let i = 0; i < groups.length;) {
    const last = longestCardFrom(groups, i);
    if (last === undefined) {
      i++;
      continue;
    }
    found.push({ start: groups[i]?.start ?? 0, end: groups[last]?.end ?? 0 });
    i = last + 1;
  }
  return found;
}

/** The index of the last group of the longest card that starts at group `i`, if any. */
function longestCardFrom(groups: Group[], i: number): number | undefined {
  for (let j = Math.min(groups.length, i + MAX_GROUPS) - 1; j >= i; j--) {
    const part = groups.slice(i, j + 1);
    const digits = part.map((g) => g.digits).join("");
    if (digits.length < 13 || digits.length > 19) continue;
    if (part.length > 1 && part.some((g) => g.digits.length < MIN_GROUP || g.digits.length > MAX_GROUP)) {
      continue;
    }
    if (luhnValid(digits)) return j;
  }
  return undefined;
}
