import type { DecisionAction, DecisionSummary } from "@parley/contracts";
import type { Bar } from "../../components/ui/bar-chart.tsx";

/** What a decision did, in words, in the order the chart stacks them. */
export const DECISION_LABELS: Record<DecisionAction, string> = {
  block: "Blocked",
  redact: "Redacted",
  warn: "Warned",
  record: "Recorded",
  hold: "Held for approval",
  approve: "Approved",
  deny: "Denied",
};
export const DECISION_ACTIONS = Object.keys(DECISION_LABELS) as DecisionAction[];

/** The most days the chart draws: the newest ones of a longer range. */
const MAX_DAYS = 62;
/** The fewest days it draws when the first decisions are recent (empty days before are left out). */
const MIN_DAYS = 7;

/**
 * The summary's days from the first with a decision (at least the last 7 of the range) to `to`
 * (UTC), days without decisions included, as stacked bars of the actions that occur (`series`,
 * in `DECISION_ACTIONS` order).
 * @example
 * dayBars(summary).series // ["block", "deny"]
 */
export function dayBars(summary: DecisionSummary): { series: DecisionAction[]; bars: Bar[] } {
  const series = DECISION_ACTIONS.filter((a) => summary.byDay.some((d) => d.action === a && d.count > 0));
  const counts = new Map(summary.byDay.map((d) => [`${d.day}|${d.action}`, d.count]));
  const first = Date.parse(summary.from.slice(0, 10));
  const last = Date.parse(summary.to.slice(0, 10));
  const days: string[] = [];
  for (let t = last; t >= first && days.length < MAX_DAYS; t -= 86_400_000)
    days.unshift(new Date(t).toISOString().slice(0, 10));
  const busy = days.findIndex((day) => summary.byDay.some((d) => d.day === day && d.count > 0));
  if (busy > 0) days.splice(0, Math.min(busy, days.length - MIN_DAYS));
  return {
    series,
    bars: days.map((day) => ({
      label: day.slice(5),
      values: series.map((a) => counts.get(`${day}|${a}`) ?? 0),
    })),
  };
}

/**
 * A fingerprint short enough for a table: its first 8 characters (a SHA-256 in hex).
 * @example
 * shortFingerprint("3f2a9c1b77…") // "3f2a9c1b"
 */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.replace(/^sha256:/, "").slice(0, 8);
}
