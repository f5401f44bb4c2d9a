import type { GuideSummary } from "@parley/contracts";
import { Link } from "react-router";
import { STATUS_LABELS } from "./guide-progress.ts";
import { ProgressBar } from "./progress-bar.tsx";

/** A guide's status as a badge; "set" when a person set it rather than its tasks. */
export function StatusBadge({
  guide,
}: {
  guide: Pick<GuideSummary, "status" | "statusSource" | "archivedAt">;
}) {
  return (
    <>
      <span className={`guide-status guide-status-${guide.status}`}>
        {STATUS_LABELS[guide.status]}
        {guide.statusSource === "set" && <span className="visually-hidden"> (set by hand)</span>}
      </span>
      {guide.archivedAt && <span className="guide-status guide-status-archived">Archived</span>}
    </>
  );
}

/** A guide in the list: title, status, progress, tags, when it last changed. */
export function GuideCard({ guide, projectName }: { guide: GuideSummary; projectName?: string | undefined }) {
  return (
    <li className="guide-card">
      <div className="guide-card-head">
        <Link to={`/guides/${guide.id}`} className="guide-card-title">
          {guide.title}
        </Link>
        <StatusBadge guide={guide} />
      </div>
      {guide.description && <p className="muted small-text guide-card-description">{guide.description}</p>}
      <ProgressBar
        label={`Progress of ${guide.title}`}
        done={guide.progress.done}
        total={guide.progress.total}
      />
      <p className="small-text guide-facts">
        {projectName && (
          <span className="where-badge">
            <span className="visually-hidden">Project </span>
            {projectName}
          </span>
        )}
        {guide.tags.map((tag) => (
          <span key={tag} className="guide-tag">
            {tag}
          </span>
        ))}
        <span className="muted">
          Changed <time dateTime={guide.updatedAt}>{new Date(guide.updatedAt).toLocaleDateString()}</time>
        </span>
      </p>
    </li>
  );
}
