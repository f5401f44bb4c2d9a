import type { GuideTask } from "@parley/contracts";
import { formatEstimate, formatMinutes } from "./guide-progress.ts";
import type { TaskControls } from "./guide-tasks.ts";

/**
 * What Parley knows of a task beside its checkbox: started, its estimate (and the calibrated one),
 * how long it took; writers can start an open task or set a started one back.
 */
export function TaskMeta({ task, controls }: { task: GuideTask; controls: TaskControls }) {
  const busy = controls.pendingId === task.id;
  return (
    <span className="task-meta small-text">
      {task.status === "in_progress" && <span className="task-chip task-started">In progress</span>}
      {task.estimate && (
        <span className="task-chip" title="Estimate">
          <span className="visually-hidden">Estimate: </span>≈ {formatEstimate(task.estimate)}
        </span>
      )}
      {task.calibratedEstimate && (
        <span className="task-chip" title="Calibrated by how long the team's finished tasks took">
          Calibrated {formatEstimate(task.calibratedEstimate)}
        </span>
      )}
      {task.status === "done" && task.completedBy && (
        <span
          className="task-chip"
          title={task.completedAt ? new Date(task.completedAt).toLocaleString() : undefined}
        >
          {doneBy(controls.nameOf(task.completedBy))}
        </span>
      )}
      {task.actualMinutes !== null && (
        <span className="task-chip task-took">Took {formatMinutes(task.actualMinutes)}</span>
      )}
      {controls.write && task.status === "open" && (
        <button
          type="button"
          className="small"
          disabled={busy}
          aria-label={`Start “${task.text}”`}
          onClick={() => {
            controls.onChange(task, { status: "in_progress" });
          }}
        >
          Start
        </button>
      )}
      {controls.write && task.status === "in_progress" && (
        <button
          type="button"
          className="small"
          disabled={busy}
          aria-label={`Stop “${task.text}”`}
          onClick={() => {
            controls.onChange(task, { status: "open" });
          }}
        >
          Stop
        </button>
      )}
    </span>
  );
}

/** "Done by Ada", or just "Done" while who Ada is has not arrived. */
function doneBy(name: string | null): string {
  return name === null ? "Done" : `Done by ${name}`;
}
