import type { BudgetPeriod } from "@parley/contracts";

const DAY_MS = 86_400_000;

/**
 * The start (ms, UTC) of the period of kind `period` that contains `at`: midnight UTC for a day,
 * Monday midnight UTC for a week (ISO weeks), the first of the month for a month.
 * @example periodStart("week", Date.parse("2026-12-06T13:00:00Z")) // Date.parse("2026-11-30T00:00:00Z")
 */
export function periodStart(period: BudgetPeriod, at: number): number {
  const day = Math.floor(at / DAY_MS) * DAY_MS;
  switch (period) {
    case "day":
      return day;
    case "week": {
      // getUTCDay: 0 is Sunday; ISO weeks start on Monday.
      const weekday = (new Date(day).getUTCDay() + 6) % 7;
      return day - weekday * DAY_MS;
    }
    case "month": {
      const d = new Date(at);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** `yyyy-mm` of `at` in UTC: the key of a monthly allowance. */
export function monthKey(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}
