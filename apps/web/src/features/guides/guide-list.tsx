import type { GuideStatus, Page, Project } from "@parley/contracts";
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { GuideCard } from "./guide-card.tsx";
import { CreateGuideActions } from "./create-guide-actions.tsx";
import { mayWriteGuides } from "./guide-access.ts";
import { STATUS_LABELS } from "./guide-progress.ts";
import { guideKeys, listGuides, type GuideFilters } from "./guides-api.ts";
import { applyToPages, type GuidePages } from "./list-cache.ts";
import { useDebounced } from "./use-debounced.ts";
import { useGuideEvents } from "./use-guide-events.ts";
import { useGuideTeam } from "./use-guide-team.ts";

/**
 * The team's guides: filters (status, tag, project, search), a card per guide with its progress,
 * kept current by the team's event stream, a page at a time.
 */
export function GuideList() {
  const { me, teams, teamId, setTeam } = useGuideTeam();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<GuideStatus | "">("");
  const [tag, setTag] = useState("");
  const [projectId, setProjectId] = useState("");
  const [search, setSearch] = useState("");
  const [includeArchived, setIncludeArchived] = useState(false);
  const settledTag = useDebounced(tag.trim());
  const settledSearch = useDebounced(search.trim());
  const filters: GuideFilters = {
    status: status || undefined,
    tag: settledTag || undefined,
    projectId: projectId || undefined,
    q: settledSearch || undefined,
    includeArchived,
  };
  const filtered = Boolean(filters.status ?? filters.tag ?? filters.projectId ?? filters.q);
  const write = mayWriteGuides(me, teamId);
  const listKey = guideKeys.list(teamId ?? "", filters);
  const guides = useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam }) => listGuides(teamId ?? "", filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: teamId !== null,
    // While a new filter is read, the cards shown stay instead of a blank "Loading…".
    placeholderData: keepPreviousData,
  });
  const projects = useQuery({
    queryKey: ["projects", teamId],
    queryFn: () => api<Page<Project>>(`/api/v1/projects?teamId=${teamId ?? ""}&limit=200`),
    enabled: teamId !== null,
  });
  const projectNames = new Map((projects.data?.items ?? []).map((p) => [p.id, p.name]));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: guideKeys.lists(teamId ?? "") });
  // A change the list can apply by itself is applied; anything else reads the list again.
  const live = useGuideEvents(
    teamId ? `/api/v1/guides/events?teamId=${encodeURIComponent(teamId)}` : null,
    (event) => {
      // An archived guide leaves a list without the archived ones: a read says so.
      const leaves = "guide" in event && event.guide.archivedAt !== null && !includeArchived;
      const next = applyToPages(queryClient.getQueryData<GuidePages>(listKey), event, filtered || leaves);
      if (next) queryClient.setQueryData(listKey, next);
      else refresh();
    },
    refresh,
  );
  const items = guides.data?.pages.flatMap((p) => p.items) ?? [];
  const knownTags = [...new Set(items.flatMap((g) => g.tags))].sort();
  const empty = guides.isSuccess && items.length === 0;

  return (
    <section className="panel guides" aria-labelledby="guides-title">
      <div className="row section-head">
        <h1 id="guides-title">Guides</h1>
        {teamId !== null && write && !empty && <CreateGuideActions teamId={teamId} />}
      </div>
      <p className="muted">
        Step-by-step plans in markdown: every checkbox is a task the team ticks off, seen by everyone as it
        happens.{" "}
        <span className={`live-state live-${live}`} role="status">
          {live === "live" ? "Live" : live === "connecting" ? "Connecting…" : "Reconnecting…"}
        </span>
      </p>
      {teamId === null && (
        <p className="muted">Guides belong to teams, and you are in none yet. Ask an admin to add you.</p>
      )}
      {teamId !== null && (
        <form
          className="row wrap guide-filters"
          aria-label="Filter guides"
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          {teams.length > 1 && (
            <label>
              Team
              <select
                value={teamId}
                onChange={(e) => {
                  // Projects and tags are the team's own: the other team starts unfiltered by them.
                  setProjectId("");
                  setTag("");
                  setTeam(e.target.value);
                }}
              >
                {teams.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            Search
            <input
              type="search"
              value={search}
              maxLength={200}
              placeholder="Title, description, tasks"
              onChange={(e) => {
                setSearch(e.target.value);
              }}
            />
          </label>
          <label>
            Status
            <select
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as GuideStatus | "");
              }}
            >
              <option value="">Any status</option>
              {Object.entries(STATUS_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Tag
            <input
              value={tag}
              maxLength={40}
              list="guide-tags"
              onChange={(e) => {
                setTag(e.target.value);
              }}
            />
            <datalist id="guide-tags">
              {knownTags.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </label>
          <label>
            Project
            <select
              value={projectId}
              onChange={(e) => {
                setProjectId(e.target.value);
              }}
            >
              <option value="">Any project</option>
              {(projects.data?.items ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={includeArchived}
              onChange={(e) => {
                setIncludeArchived(e.target.checked);
              }}
            />
            Archived too
          </label>
        </form>
      )}
      <Alert>{guides.error ? errorText(guides.error) : null}</Alert>
      {guides.isPending && teamId !== null && <p className="muted">Loading…</p>}
      {empty && !filtered && (
        <div className="knowledge-empty guides-empty">
          <p>
            No guides yet. A <strong>guide</strong> is a plan for a piece of work, written as markdown with
            checkboxes: a feature, a bug fix, a migration. Start from scratch, from a template, or let the AI
            draft one with time estimates from a description.
          </p>
          {write && teamId !== null ? (
            <CreateGuideActions teamId={teamId} />
          ) : (
            <p className="muted">Developers of the team can add guides.</p>
          )}
        </div>
      )}
      {empty && filtered && <p className="muted">No guide matches these filters.</p>}
      {items.length > 0 && (
        <ul className="guide-cards" aria-label="Guides">
          {items.map((g) => (
            <GuideCard
              key={g.id}
              guide={g}
              projectName={g.projectId ? projectNames.get(g.projectId) : undefined}
            />
          ))}
        </ul>
      )}
      {guides.hasNextPage && (
        <button
          type="button"
          disabled={guides.isFetchingNextPage}
          onClick={() => void guides.fetchNextPage()}
        >
          {guides.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  );
}
