/** A report's date range as the form holds it: whole days, `YYYY-MM-DD`, `to` included. */
export interface DayRange {
  from: string;
  to: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last `days` days up to today (UTC), today included. */
export function lastDays(days: number, now = Date.now()): DayRange {
  return { from: day(now - (days - 1) * 86_400_000), to: day(now) };
}

/**
 * The API's `from`/`to` (ISO instants, `to` exclusive) for a range of whole days; an empty side
 * is open. A `to` before `from` is swapped, so the range is never empty by mistake.
 * @example toQuery({ from: "2026-12-01", to: "2026-12-03" }) // { from: "2026-12-01T00:00:00.000Z", to: "2026-12-04T00:00:00.000Z" }
 */
export function toQuery(range: DayRange): { from?: string; to?: string } {
  let { from, to } = range;
  if (from && to && from > to) [from, to] = [to, from];
  return {
    ...(from ? { from: `${from}T00:00:00.000Z` } : {}),
    ...(to ? { to: new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString() } : {}),
  };
}

/** Every day of a range (oldest first), for a chart with gaps for quiet days; at most `max`. */
export function daysOf(range: DayRange, max = 92): string[] {
  const { from, to } = toQuery(range);
  if (!from || !to) return [];
  const days: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to) && days.length < max; t += 86_400_000) days.push(day(t));
  return days;
}

/** A cost as people read it: dollars, "no price set" when no call had a price, or both. */
export function costText(cost: number, requests: number, unpriced: number): string {
  if (requests > 0 && unpriced === requests) return "no price set";
  const dollars = cost > 0 && cost < 0.0001 ? "< $0.0001" : `$${cost.toFixed(4)}`;
  return unpriced > 0 ? `${dollars} + ${unpriced} unpriced` : dollars;
}
