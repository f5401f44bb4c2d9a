import { percentDone } from "./guide-progress.ts";

/**
 * Done over total as a labelled progress bar (a native `<progress>`, named by `label`), with the
 * counts beside it in words.
 * @example
 * <ProgressBar label="Progress of Release 2" done={3} total={8} />
 */
export function ProgressBar({
  label,
  done,
  total,
  compact = false,
}: {
  label: string;
  done: number;
  total: number;
  compact?: boolean;
}) {
  const percent = percentDone(done, total);
  return (
    <div className={compact ? "guide-progress compact" : "guide-progress"}>
      <progress
        max={Math.max(total, 1)}
        value={done}
        aria-label={label}
        aria-valuetext={total === 0 ? "No tasks" : `${done} of ${total} tasks done (${percent}%)`}
      />
      <span className="small-text muted">{total === 0 ? "No tasks" : `${done}/${total} · ${percent}%`}</span>
    </div>
  );
}
