import type { TextRange } from "@parley/contracts";

/**
 * `text` cut at the ranges' ends: plain runs and marked runs, in order. Ranges outside the text,
 * empty, or overlapping one before them are left out, so what the server sends cannot break it.
 * @example markedRuns("a kafka b", [{ start: 2, end: 7 }]) // [{text:"a ",marked:false},{text:"kafka",marked:true},{text:" b",marked:false}]
 */
export function markedRuns(text: string, ranges: readonly TextRange[]): { text: string; marked: boolean }[] {
  const runs: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (r.start < at || r.end <= r.start || r.end > text.length) continue;
    if (r.start > at) runs.push({ text: text.slice(at, r.start), marked: false });
    runs.push({ text: text.slice(r.start, r.end), marked: true });
    at = r.end;
  }
  if (at < text.length) runs.push({ text: text.slice(at), marked: false });
  return runs;
}
