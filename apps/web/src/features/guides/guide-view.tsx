import type { Guide, GuideTask } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { mayDraftGuides, mayWriteGuides } from "./guide-access.ts";
import { StatusBadge } from "./guide-card.tsx";
import { GuideDocument } from "./guide-document.tsx";
import { GuideMenu } from "./guide-menu.tsx";
import { formatMinutes, remainingEstimate, sectionLabel } from "./guide-progress.ts";
import { applyChange, tasksByLine, type TaskChange } from "./guide-tasks.ts";
import { changeTask, estimateGuide, guideKeys } from "./guides-api.ts";
import { ProgressBar } from "./progress-bar.tsx";
import type { LiveState } from "./use-guide-events.ts";
import { withTeam } from "./use-guide-team.ts";
import { useMemberNames } from "./use-member-names.ts";

/**
 * One guide: its title, status, tags and progress (overall and per section), and its markdown with
 * the checkboxes live. Writers tick, start and reopen tasks, edit, estimate with the AI, archive and
 * delete; readers see the same page without those controls.
 */
export function GuideView({ guide, live }: { guide: Guide; live: LiveState }) {
  const me = useMe().data;
  const queryClient = useQueryClient();
  const write = mayWriteGuides(me, guide.teamId);
  const nameOf = useMemberNames(guide.teamId);
  const keep = (next: Guide) => {
    const cached = queryClient.getQueryData<Guide>(guideKeys.one(guide.id));
    if (!cached || next.version >= cached.version) queryClient.setQueryData(guideKeys.one(guide.id), next);
    void queryClient.invalidateQueries({ queryKey: guideKeys.lists(guide.teamId) });
  };
  const task = useMutation({
    mutationFn: ({ id, change }: { id: string; change: TaskChange }) => changeTask(guide.id, id, change),
    // The box shows its new state at once; the server's answer (or the guide read again) settles it.
    onMutate: ({ id, change }) => {
      const cached = queryClient.getQueryData<Guide>(guideKeys.one(guide.id));
      if (cached)
        queryClient.setQueryData(guideKeys.one(guide.id), {
          ...cached,
          tasks: cached.tasks.map((t) => (t.id === id ? applyChange(t, change) : t)),
        });
    },
    onSuccess: keep,
    // Refused (a viewer's role changed, the task was removed meanwhile): the guide as it is now.
    onError: () => void queryClient.invalidateQueries({ queryKey: guideKeys.one(guide.id) }),
  });
  const estimate = useMutation({ mutationFn: () => estimateGuide(guide.id), onSuccess: keep });
  const [pendingId, setPendingId] = useState<string | null>(null);
  const remaining = remainingEstimate(guide.tasks);
  const unestimated = guide.tasks.some((t) => t.estimate === null);
  const onChange = (t: GuideTask, change: TaskChange) => {
    setPendingId(t.id);
    task.mutate(
      { id: t.id, change },
      {
        onSettled: () => {
          setPendingId(null);
        },
      },
    );
  };
  return (
    <article className="guide-view" aria-labelledby="guide-title">
      <header className="guide-header">
        <p className="small-text">
          <Link to={withTeam("/guides", guide.teamId)}>← All guides</Link>
        </p>
        <div className="row section-head">
          <h1 id="guide-title">{guide.title}</h1>
          <div className="row wrap guide-actions">
            {write && (
              <Link to={`/guides/${guide.id}/edit`} className="button">
                Edit
              </Link>
            )}
            {write && mayDraftGuides(me, guide.teamId) && guide.tasks.length > 0 && unestimated && (
              <button
                type="button"
                disabled={estimate.isPending}
                onClick={() => {
                  estimate.mutate();
                }}
              >
                {estimate.isPending ? "Estimating…" : "Estimate with AI"}
              </button>
            )}
            {write && <GuideMenu guide={guide} />}
          </div>
        </div>
        <p className="guide-facts small-text">
          <StatusBadge guide={guide} />
          {guide.tags.map((tag) => (
            <span key={tag} className="guide-tag">
              {tag}
            </span>
          ))}
          <span className={`live-state live-${live}`} role="status">
            {live === "live" ? "Live" : live === "connecting" ? "Connecting…" : "Reconnecting…"}
          </span>
        </p>
        {/* A drafted guide's markdown opens with its description: shown once. */}
        {guide.description && !guide.content.includes(guide.description) && (
          <p className="muted">{guide.description}</p>
        )}
        {estimate.isPending && (
          <div className="draft-progress" role="status">
            <progress aria-label="Estimating the tasks" />
            <span className="muted small-text">The model is estimating the tasks without an estimate…</span>
          </div>
        )}
        <Alert>{estimate.error ? errorText(estimate.error) : null}</Alert>
        <Alert>{task.error ? errorText(task.error) : null}</Alert>
      </header>
      <div className="guide-body">
        <div className="guide-main card">
          <GuideDocument
            content={guide.content}
            title={guide.title}
            controls={{ byLine: tasksByLine(guide.tasks), write, pendingId, onChange, nameOf }}
          />
        </div>
        <aside className="guide-aside card" aria-label="Progress">
          <h2>Progress</h2>
          <ProgressBar label="Overall progress" done={guide.progress.done} total={guide.progress.total} />
          {remaining.minutes > 0 && (
            <p className="small-text muted">
              About {formatMinutes(remaining.minutes)} of work left
              {remaining.unestimated > 0 && ` (and ${remaining.unestimated} tasks without an estimate)`}
            </p>
          )}
          {guide.sections.length > 0 && (
            <ul className="guide-sections">
              {guide.sections.map((s) => {
                const label = sectionLabel(s.section, guide.title);
                return (
                  <li key={JSON.stringify(s.section)}>
                    <span className="small-text">{label}</span>
                    <ProgressBar label={`Progress of ${label}`} done={s.done} total={s.total} compact />
                  </li>
                );
              })}
            </ul>
          )}
        </aside>
      </div>
    </article>
  );
}
