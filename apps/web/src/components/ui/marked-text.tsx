import type { TextRange } from "@parley/contracts";
import { markedRuns } from "./marked-runs.ts";

/** Plain text with the ranges in `<mark>`: React elements, never HTML from the text. */
export function MarkedText({ text, ranges }: { text: string; ranges: readonly TextRange[] }) {
  return (
    <>{markedRuns(text, ranges).map((run, i) => (run.marked ? <mark key={i}>{run.text}</mark> : run.text))}</>
  );
}
