import type {
  CreateProjectRequest,
  Project,
  ProjectListQuery,
  UpdateProjectRequest,
} from "@parley/contracts";
import { decodeNameCursor, encodeNameCursor, pageOf } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId, slugify } from "../../kernel/ids.ts";
import {
  assertMayIn,
  can,
  requirePrincipal,
  teamsWhere,
  type Principal,
  boundTeam,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import { toProject } from "./project-view.ts";
import type { ProjectRepository, ProjectRow } from "./projects.repository.ts";

/** Dependencies of the project service. */
export interface ProjectServiceDeps {
  projects: ProjectRepository;
  audit: AuditSink;
  clock: Clock;
}

/**
 * A team's projects. Members inherit from the team: whoever may read projects in a team sees
 * all of its projects, and `projects:manage` there changes them. Outside the team a project
 * does not exist (404), global admins included, as for a team's conversations.
 */
export class ProjectService {
  readonly #d: ProjectServiceDeps;
  constructor(deps: ProjectServiceDeps) {
    this.#d = deps;
  }

  async list(
    query: ProjectListQuery,
    ctx: RequestContext,
  ): Promise<{ items: Project[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId) assertMayIn(principal, "projects:read", query.teamId, "Listing this team's projects");
    const rows = await this.#d.projects.list({
      teamIds: query.teamId ? [query.teamId] : teamsWhere(principal, "projects:read"),
      includeArchived: query.includeArchived,
      limit: query.limit + 1,
      ...(query.q ? { q: query.q } : {}),
      ...(query.cursor ? { after: decodeNameCursor(query.cursor) } : {}),
    });
    return pageOf(rows, query.limit, encodeNameCursor, toProject);
  }

  async get(id: string, ctx: RequestContext): Promise<Project> {
    return toProject(await this.#visible(id, requirePrincipal(ctx)));
  }

  /**
   * Project `id` when the caller sees it and it belongs to team `teamId` (what a conversation
   * of that team may be put in); a personal conversation (`null`) belongs to no project.
   * @throws AppError `project.not_found`.
   */
  async inTeam(id: string, teamId: string | null, ctx: RequestContext): Promise<Project> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    if (row.team_id !== teamId)
      throw new AppError("project.not_found", `No project ${id} in the conversation's team`);
    return toProject(row);
  }

  /** @throws AppError `team.not_found`, `auth.forbidden`, `project.name_taken`. */
  async create(input: CreateProjectRequest, ctx: RequestContext): Promise<Project> {
    const principal = requirePrincipal(ctx);
    assertMayIn(principal, "projects:manage", input.teamId, "Creating a project here");
    await this.#assertNameFree(input.teamId, input.name);
    const now = this.#d.clock.now();
    const row: ProjectRow = {
      id: newId(),
      team_id: input.teamId,
      name: input.name,
      slug: slugify(input.name, "project"),
      description: input.description ?? "",
      repository_url: input.repositoryUrl ?? null,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
      archived_at: null,
    };
    const stored = await this.#insert(row);
    await this.#audit(ctx, "project.created", stored, {
      name: stored.name,
      slug: stored.slug,
      repositoryUrl: stored.repository_url,
    });
    return toProject(stored);
  }

  /** @throws AppError `project.not_found`, `auth.forbidden`, `project.name_taken`. */
  async update(id: string, patch: UpdateProjectRequest, ctx: RequestContext): Promise<Project> {
    const row = await this.#changeable(id, ctx);
    if (patch.name !== undefined) await this.#assertNameFree(row.team_id, patch.name, id);
    const now = this.#d.clock.now();
    const changes = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.repositoryUrl !== undefined ? { repository_url: patch.repositoryUrl } : {}),
      // Archiving again keeps the first date.
      ...(patch.archived !== undefined
        ? { archived_at: patch.archived ? (row.archived_at ?? now) : null }
        : {}),
      updated_at: now,
    };
    try {
      await this.#d.projects.update(id, changes);
    } catch (error) {
      // Another request took the name since it was checked.
      if (isUniqueViolation(error))
        throw new AppError("project.name_taken", "Another project of this team has this name", {
          cause: error,
        });
      throw error;
    }
    const updated = { ...row, ...changes };
    await this.#audit(
      ctx,
      patch.archived === undefined
        ? "project.updated"
        : patch.archived
          ? "project.archived"
          : "project.restored",
      updated,
      {
        changed: Object.keys(patch).sort(),
      },
    );
    return toProject(updated);
  }

  /** Deletes a project; its conversations stay, in no project. */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#changeable(id, ctx);
    await this.#d.projects.delete(id);
    await this.#audit(ctx, "project.deleted", row, { name: row.name, slug: row.slug });
  }

  async #visible(id: string, principal: Principal): Promise<ProjectRow> {
    const row = await this.#d.projects.find(id);
    if (!row || !sees(principal, row)) throw new AppError("project.not_found", `No project ${id}`);
    return row;
  }

  async #changeable(id: string, ctx: RequestContext): Promise<ProjectRow> {
    const principal = requirePrincipal(ctx);
    const row = await this.#visible(id, principal);
    if (!can(principal, "projects:manage", row.team_id))
      throw new AppError("auth.forbidden", "Changing this project needs the projects:manage permission", {
        details: { permission: "projects:manage" },
      });
    return row;
  }

  async #assertNameFree(teamId: string, name: string, exceptId?: string): Promise<void> {
    if (await this.#d.projects.nameTaken(teamId, name, exceptId))
      throw new AppError("project.name_taken", `This team already has a project named ${name}`);
  }

  /** Inserts `row`, with a numbered slug when its slug is taken in the team. */
  async #insert(row: ProjectRow): Promise<ProjectRow> {
    for (let attempt = 0; ; attempt++) {
      const candidate =
        attempt === 0 ? row : { ...row, slug: `${row.slug.slice(0, 40)}-${newId().slice(0, 6)}` };
      try {
        await this.#d.projects.insert(candidate);
        return candidate;
      } catch (error) {
        // The team was deleted since the caller's memberships were read.
        if (isForeignKeyViolation(error))
          throw new AppError("team.not_found", `No team ${row.team_id}`, { cause: error });
        if (!isUniqueViolation(error)) throw error;
        // The name was taken meanwhile: that is the caller's conflict; a slug is ours to change.
        if (await this.#d.projects.nameTaken(row.team_id, row.name))
          throw new AppError("project.name_taken", `This team already has a project named ${row.name}`, {
            cause: error,
          });
        if (attempt >= 5) throw error;
      }
    }
  }

  async #audit(ctx: RequestContext, action: string, row: ProjectRow, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "project", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}

/** Members of the project's team who may read projects there (through a key bound to it, if any). */
function sees(principal: Principal, row: ProjectRow): boolean {
  const keyTeam = boundTeam(principal);
  if (keyTeam !== null && keyTeam !== row.team_id) return false;
  return principal.teams.has(row.team_id) && can(principal, "projects:read", row.team_id);
}
