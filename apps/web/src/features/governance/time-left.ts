import { useEffect, useState } from "react";

/**
 * The time until `until`, in words short enough for a badge: "4 min 05 s left", "expired".
 * @example
 * timeLeft("2026-01-01T00:05:00Z", Date.parse("2026-01-01T00:00:00Z")) // "5 min 00 s left"
 */
export function timeLeft(until: string, now: number): string {
  const ms = Date.parse(until) - now;
  if (ms <= 0) return "expired";
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min left`;
  return m > 0 ? `${m} min ${sec} s left` : `${s % 60} s left`;
}

/** The current time, updated every `ms` while the component is shown (a countdown's clock). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, ms);
    return () => {
      clearInterval(timer);
    };
  }, [ms]);
  return now;
}
