import type { ItemList, Model, Page, Project, RuleSurface } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";
import { describedBy, FieldError } from "./field-error.tsx";
import type { FieldErrors, RuleDraft } from "./rule-draft.ts";
import { SURFACE_LABELS, SURFACES } from "./rule-labels.ts";

function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
}

/** A team's projects, archived ones included (a rule may still name one). */
export function useTeamProjects(teamId: string | null) {
  return useQuery({
    queryKey: ["projects", "of-team", teamId],
    queryFn: () =>
      api<Page<Project>>(
        `/api/v1/projects?teamId=${encodeURIComponent(teamId ?? "")}&includeArchived=true&limit=200`,
      ),
    enabled: Boolean(teamId),
  });
}

/** Words a project id of team `teamId` by the project's name (the id while names load). */
export function useProjectName(teamId: string | null): (id: string) => string {
  const projects = useTeamProjects(teamId);
  return (id) => projects.data?.items.find((p) => p.id === id)?.name ?? id;
}

/**
 * Where the rule applies: surfaces, a project of its team, models. Nothing picked in a group means
 * everywhere in it.
 */
export function ScopeFieldset({
  draft,
  teamId,
  errors,
  onChange,
}: {
  draft: RuleDraft;
  /** The rule's team; an organisation-wide rule has no project to pick. */
  teamId: string | null;
  errors: FieldErrors;
  onChange: (patch: Partial<RuleDraft>) => void;
}) {
  const projects = useTeamProjects(teamId);
  const models = useQuery({ queryKey: ["models"], queryFn: () => api<ItemList<Model>>("/api/v1/models") });
  const catalog = models.data?.items.map((m) => m.id) ?? [];
  // A model the catalog no longer lists stays visible while the rule names it.
  const modelIds = [...catalog, ...draft.models.filter((m) => !catalog.includes(m))];
  const projectList = projects.data?.items ?? [];
  return (
    <fieldset className="rule-group">
      <legend>Scope</legend>
      <fieldset className="checks" {...describedBy(errors, "scope.surfaces")}>
        <legend>Surfaces</legend>
        {SURFACES.map((surface: RuleSurface) => (
          <label key={surface} className="check">
            <input
              type="checkbox"
              checked={draft.surfaces.includes(surface)}
              onChange={(e) => {
                onChange({ surfaces: toggled(draft.surfaces, surface, e.target.checked) });
              }}
            />
            {SURFACE_LABELS[surface]}
          </label>
        ))}
        <p className="muted small-text">None checked: every surface.</p>
        <FieldError errors={errors} at="scope.surfaces" />
      </fieldset>
      {teamId && (
        <>
          <label>
            Project
            <select
              value={draft.projectId}
              onChange={(e) => {
                onChange({ projectId: e.target.value });
              }}
            >
              <option value="">Every project, and chats in none</option>
              {projectList.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.archivedAt ? " (archived)" : ""}
                </option>
              ))}
              {draft.projectId &&
                projects.isSuccess &&
                !projectList.some((p) => p.id === draft.projectId) && (
                  <option value={draft.projectId}>A project that is gone ({draft.projectId})</option>
                )}
            </select>
          </label>
          <FieldError errors={errors} at="scope.projectId" />
        </>
      )}
      <fieldset className="checks model-checks" {...describedBy(errors, "scope.models")}>
        <legend>Models</legend>
        {models.isPending && <p className="muted small-text">Loading models…</p>}
        {modelIds.map((id) => (
          <label key={id} className="check">
            <input
              type="checkbox"
              checked={draft.models.includes(id)}
              onChange={(e) => {
                onChange({ models: toggled(draft.models, id, e.target.checked) });
              }}
            />
            <code>{id}</code>
          </label>
        ))}
        <p className="muted small-text">None checked: every model.</p>
        <FieldError errors={errors} at="scope.models" />
      </fieldset>
    </fieldset>
  );
}
