import type { Me, Practice, Project, Role } from "@parley/contracts";

/** Team roles that hold `governance:manage` there (docs/ACCESS.md). */
const MANAGERS: readonly Role[] = ["operator", "admin"];

/** Whether the signed-in user may change the practices of team `teamId`. */
export function managesPractices(me: Pick<Me, "teams"> | null | undefined, teamId: string): boolean {
  const role = me?.teams.find((t) => t.id === teamId)?.role;
  return role !== undefined && MANAGERS.includes(role);
}

/** One scope of a team's practices: team-wide (`project` null) or one project's, in order. */
export interface PracticeScope {
  key: string;
  project: Pick<Project, "id" | "name"> | null;
  items: Practice[];
}

/**
 * A team's practices by scope: team-wide first, then each project that has some (by name),
 * each in the server's order (position, then creation). A practice of a project the list does
 * not know (archived, say) still shows, under its id.
 * @example
 * scopesOf(practices, projects).map((s) => s.project?.name ?? "Team-wide")
 */
export function scopesOf(practices: readonly Practice[], projects: readonly Pick<Project, "id" | "name">[]) {
  const byProject = new Map<string | null, Practice[]>();
  for (const p of practices) byProject.set(p.projectId, [...(byProject.get(p.projectId) ?? []), p]);
  const named = new Map(projects.map((p) => [p.id, p]));
  const scopes: PracticeScope[] = [{ key: "team", project: null, items: byProject.get(null) ?? [] }];
  const others = [...byProject.keys()]
    .filter((id): id is string => id !== null)
    .map((id) => named.get(id) ?? { id, name: `Project ${id.slice(0, 8)}` })
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const project of others)
    scopes.push({ key: project.id, project, items: byProject.get(project.id) ?? [] });
  return scopes;
}

/** Characters of enabled practice text in a scope (what a call of that scope adds, about). */
export function enabledChars(items: readonly Practice[]): number {
  return items.filter((p) => p.enabled).reduce((sum, p) => sum + p.title.length + p.body.length, 0);
}
