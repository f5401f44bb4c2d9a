import {
  MAX_PRACTICES_PER_TEAM,
  type CreatePracticeRequest,
  type PatchPracticeRequest,
  type Practice,
  type PracticeListQuery,
  type PracticeVersion,
  type MovePracticeRequest,
  type UpdatePracticeRequest,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
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
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import { toPractice, toPracticeVersion } from "./practice-view.ts";
import type { PracticeRepository, PracticeRow, PracticeVersionRow } from "./practices.repository.ts";

/** Dependencies of the practice service. */
export interface PracticeServiceDeps {
  practices: PracticeRepository;
  audit: AuditSink;
  clock: Clock;
  /** Called after every change of a team's practices: drops cached copies here and on other pods. */
  changed(teamId: string): Promise<void>;
}

/**
 * A team's practices: markdown the team's (or one project's) AI calls get as system context, in
 * order. Each edit of the text is a new immutable version. A practice exists only for its team's
 * members (404 elsewhere, global admins included, as for projects and rules): `governance:read`
 * there reads it, `governance:manage` there changes it.
 */
export class PracticeService {
  readonly #d: PracticeServiceDeps;
  constructor(deps: PracticeServiceDeps) {
    this.#d = deps;
  }

  /** The practices of one team (or all the caller's), or of one project only, in order. */
  async list(query: PracticeListQuery, ctx: RequestContext): Promise<{ items: Practice[] }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId)
      assertMayIn(principal, "governance:read", query.teamId, "Listing this team's practices");
    let teamIds = query.teamId ? [query.teamId] : teamsWhere(principal, "governance:read");
    if (query.projectId) {
      const team = await this.#d.practices.projectTeam(query.projectId);
      // Another team's project does not exist for the caller.
      teamIds = team !== undefined && teamIds.includes(team) && sees(principal, team) ? [team] : [];
    }
    const rows = await this.#d.practices.list({
      teamIds: teamIds.filter((t) => sees(principal, t)),
      ...(query.projectId ? { projectId: query.projectId } : {}),
    });
    return { items: rows.map(toPractice) };
  }

  /** @throws AppError `practice.not_found`. */
  async get(id: string, ctx: RequestContext): Promise<Practice> {
    return this.#current(await this.#visible(id, requirePrincipal(ctx)));
  }

  async versions(id: string, ctx: RequestContext): Promise<{ items: PracticeVersion[] }> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    return { items: (await this.#d.practices.versions(row.id)).map(toPracticeVersion) };
  }

  /** @throws AppError `practice.not_found`, `practice.version_not_found`. */
  async version(id: string, version: string, ctx: RequestContext): Promise<PracticeVersion> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    const n = /^[1-9]\d{0,8}$/.test(version) ? Number(version) : null;
    if (n === null)
      throw new AppError("practice.version_not_found", `Practice ${id} has no version ${version}`);
    return toPracticeVersion(await this.#version(row, n));
  }

  /**
   * A new practice at the end of its scope, or at `position`.
   * @throws AppError `team.not_found`, `auth.forbidden`, `practice.project_not_in_team`,
   * `practice.limit_reached`.
   */
  async create(input: CreatePracticeRequest, ctx: RequestContext): Promise<Practice> {
    const principal = requirePrincipal(ctx);
    assertMayIn(principal, "governance:manage", input.teamId, "Creating a practice here");
    const projectId = input.projectId ?? null;
    if (projectId !== null && (await this.#d.practices.projectTeam(projectId)) !== input.teamId)
      throw new AppError("practice.project_not_in_team", `No project ${projectId} in team ${input.teamId}`, {
        details: { projectId },
      });
    const now = this.#d.clock.now();
    const fresh = {
      id: newId(),
      team_id: input.teamId,
      project_id: projectId,
      title: input.title,
      current_version: 1,
      enabled: input.enabled ?? true,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
    };
    const version: PracticeVersionRow = {
      practice_id: fresh.id,
      version: 1,
      title: input.title,
      body: input.body,
      created_by: principal.userId,
      created_at: now,
    };
    let position: number | null;
    try {
      // Counted, placed and inserted under the team's lock: racing creations stay within the limit.
      position = await this.#d.practices.insertWithin(
        MAX_PRACTICES_PER_TEAM,
        { ...fresh, enabled: fresh.enabled ? 1 : 0, position: input.position ?? null },
        version,
      );
    } catch (error) {
      // The team or the project was deleted since they were checked.
      if (isForeignKeyViolation(error))
        throw new AppError("team.not_found", `No team ${input.teamId}`, { cause: error });
      throw error;
    }
    if (position === null)
      throw new AppError(
        "practice.limit_reached",
        `A team keeps at most ${MAX_PRACTICES_PER_TEAM} practices; delete one first`,
        { details: { limit: MAX_PRACTICES_PER_TEAM } },
      );
    const row: PracticeRow = { ...fresh, position };
    await this.#changed(ctx, "practice.created", row, {
      title: row.title,
      version: 1,
      chars: input.body.length,
    });
    return toPractice({ ...row, body: input.body });
  }

  /**
   * Saves a new version made from `expectedVersion`.
   * @throws AppError `practice.not_found`, `auth.forbidden`, `practice.version_conflict`.
   */
  async update(id: string, input: UpdatePracticeRequest, ctx: RequestContext): Promise<Practice> {
    const row = await this.#changeable(id, ctx);
    if (input.expectedVersion !== row.current_version) throw conflict(row, input.expectedVersion);
    const now = this.#d.clock.now();
    const next = row.current_version + 1;
    const version: PracticeVersionRow = {
      practice_id: row.id,
      version: next,
      title: input.title,
      body: input.body,
      created_by: requirePrincipal(ctx).userId,
      created_at: now,
    };
    const changes = { title: input.title, current_version: next, updated_at: now };
    if (!(await this.#d.practices.addVersion(row.current_version, version, changes)))
      throw conflict(row, input.expectedVersion);
    const updated = { ...row, ...changes };
    await this.#changed(ctx, "practice.versioned", updated, {
      title: input.title,
      version: next,
      chars: input.body.length,
    });
    return toPractice({ ...updated, body: input.body });
  }

  /** Enables or disables a practice, or gives it a position in its scope; neither makes a version. */
  async patch(id: string, input: PatchPracticeRequest, ctx: RequestContext): Promise<Practice> {
    const row = await this.#changeable(id, ctx);
    const now = this.#d.clock.now();
    const changes = {
      ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
      ...(input.position !== undefined ? { position: input.position } : {}),
      updated_at: now,
    };
    await this.#d.practices.update(id, changes);
    const updated: PracticeRow = {
      ...row,
      ...changes,
      enabled: input.enabled ?? Boolean(row.enabled),
    };
    const action =
      input.enabled === undefined
        ? "practice.moved"
        : input.enabled
          ? "practice.enabled"
          : "practice.disabled";
    await this.#changed(ctx, action, updated, {
      title: row.title,
      version: row.current_version,
      ...(input.position !== undefined ? { position: input.position } : {}),
    });
    return this.#current(updated);
  }

  /**
   * Moves a practice one place up or down within its scope (team-wide, or its project); at
   * either end nothing changes. Answers the scope's practices in their new order.
   * @throws AppError `practice.not_found`, `auth.forbidden`.
   */
  async move(id: string, input: MovePracticeRequest, ctx: RequestContext): Promise<{ items: Practice[] }> {
    const row = await this.#changeable(id, ctx);
    await this.#d.practices.move(row, input.direction === "up" ? -1 : 1, this.#d.clock.now());
    const items = (await this.#d.practices.list({ teamIds: [row.team_id], projectId: row.project_id })).map(
      toPractice,
    );
    await this.#changed(ctx, "practice.moved", row, {
      title: row.title,
      direction: input.direction,
      position: items.find((p) => p.id === id)?.position ?? null,
    });
    return { items };
  }

  /** Deletes a practice with its versions. */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#changeable(id, ctx);
    await this.#d.practices.delete(id);
    await this.#changed(ctx, "practice.deleted", row, { title: row.title, version: row.current_version });
  }

  async #current(row: PracticeRow): Promise<Practice> {
    return toPractice({ ...row, body: (await this.#version(row, row.current_version)).body });
  }

  async #version(row: PracticeRow, version: number): Promise<PracticeVersionRow> {
    const found = await this.#d.practices.findVersion(row.id, version);
    if (!found)
      throw new AppError("practice.version_not_found", `Practice ${row.id} has no version ${version}`);
    return found;
  }

  async #visible(id: string, principal: Principal): Promise<PracticeRow> {
    const row = await this.#d.practices.find(id);
    if (!row || !sees(principal, row.team_id)) throw new AppError("practice.not_found", `No practice ${id}`);
    return row;
  }

  async #changeable(id: string, ctx: RequestContext): Promise<PracticeRow> {
    const principal = requirePrincipal(ctx);
    const row = await this.#visible(id, principal);
    if (!can(principal, "governance:manage", row.team_id))
      throw new AppError("auth.forbidden", "Changing this practice needs the governance:manage permission", {
        details: { permission: "governance:manage" },
      });
    return row;
  }

  /** Audits a change (its shape, never the body) and announces it. */
  async #changed(ctx: RequestContext, action: string, row: PracticeRow, summary: Record<string, unknown>) {
    // First: the change reaches AI calls even if recording it fails.
    await this.#d.changed(row.team_id);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "practice", id: row.id },
      teamId: row.team_id,
      summary: { ...summary, projectId: row.project_id },
    });
  }
}

function conflict(row: PracticeRow, expected: number): AppError {
  return new AppError(
    "practice.version_conflict",
    `Practice ${row.id} changed: it is at version ${row.current_version}, not ${expected}; reload it and edit again`,
    { details: { currentVersion: row.current_version } },
  );
}

/**
 * A team's practices: the team's members who may read governance there (through a key bound to
 * it, if any).
 */
function sees(principal: Principal, teamId: string): boolean {
  const keyTeam = boundTeam(principal);
  if (keyTeam !== null && keyTeam !== teamId) return false;
  return principal.teams.has(teamId) && can(principal, "governance:read", teamId);
}
