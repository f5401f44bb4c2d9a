import type { CreateTeamRequest, ListQuery, Member, Role, Team, UpdateTeamRequest } from "@parley/contracts";
import { decodeCursor, pageOf } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { iso, newId, slugify } from "../../kernel/ids.ts";
import {
  can,
  mayGrant,
  requirePrincipal,
  seesTeam,
  type Principal,
  boundTeam,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import { isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import type { TeamRepository, TeamRow } from "./team.repository.ts";

/** Dependencies of the team service. */
export interface TeamServiceDeps {
  teams: TeamRepository;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Teams and their members. A team is visible to its members and to global admins; to anyone
 * else it does not exist (404). Managing it needs `teams:manage` globally or in that team.
 */
export class TeamService {
  readonly #d: TeamServiceDeps;
  constructor(deps: TeamServiceDeps) {
    this.#d = deps;
  }

  /** Creates a team; its creator becomes its admin. */
  async create(input: CreateTeamRequest, ctx: RequestContext): Promise<Team> {
    const principal = requirePrincipal(ctx);
    if (!can(principal, "teams:manage", null))
      throw new AppError("auth.forbidden", "Creating a team needs teams:manage from a global role");
    const now = this.#d.clock.now();
    const row: TeamRow = {
      id: newId(),
      name: input.name,
      slug: input.slug ?? slugify(input.name, "team"),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#d.teams.insert(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError("team.slug_taken", `A team with slug "${row.slug}" exists`, { cause: error });
      throw error;
    }
    await this.#d.teams.upsertMember(row.id, principal.userId, "admin", now);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "team.created",
      outcome: "success",
      target: { type: "team", id: row.id },
      teamId: row.id,
      summary: { name: row.name, slug: row.slug },
    });
    return toTeam(row, "admin");
  }

  /** The teams the caller can see: all for global admins, else their own. */
  async list(query: ListQuery, ctx: RequestContext): Promise<{ items: Team[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    const keyTeam = boundTeam(principal);
    const seesAll = principal.globalRole === "admin" && keyTeam === null;
    const rows = await this.#d.teams.list({
      limit: query.limit + 1,
      ...(seesAll ? {} : { teamIds: [...principal.teams.keys()].filter((id) => seesTeam(principal, id)) }),
      ...(query.cursor ? { afterSlug: decodeCursor(query.cursor) } : {}),
      ...(query.q ? { q: query.q } : {}),
    });
    return pageOf(
      rows,
      query.limit,
      (r) => r.slug,
      (r) => toTeam(r, principal.teams.get(r.id) ?? null),
    );
  }

  /** @throws AppError `resource.not_found` when the team is missing or not visible. */
  async get(id: string, ctx: RequestContext): Promise<Team> {
    const principal = requirePrincipal(ctx);
    return toTeam(await this.#visible(id, principal), principal.teams.get(id) ?? null);
  }

  async update(id: string, patch: UpdateTeamRequest, ctx: RequestContext): Promise<Team> {
    const principal = requirePrincipal(ctx);
    const row = await this.#manageable(id, principal);
    const changes = { updated_at: this.#d.clock.now(), ...patch };
    try {
      await this.#d.teams.update(id, changes);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError("team.slug_taken", `A team with slug "${patch.slug ?? ""}" exists`, {
          cause: error,
        });
      throw error;
    }
    await this.#record(ctx, "team.updated", id, { ...patch });
    return toTeam({ ...row, ...changes }, principal.teams.get(id) ?? null);
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const principal = requirePrincipal(ctx);
    const row = await this.#manageable(id, principal);
    await this.#d.teams.delete(id);
    await this.#record(ctx, "team.deleted", id, { name: row.name, slug: row.slug });
  }

  async members(id: string, ctx: RequestContext): Promise<Member[]> {
    await this.#visible(id, requirePrincipal(ctx));
    const rows = await this.#d.teams.members(id);
    return rows.map((m) => ({
      userId: m.userId,
      email: m.email,
      name: m.name,
      role: m.role as Role,
      joinedAt: iso(m.joinedAt),
    }));
  }

  /**
   * Adds an account to the team or changes a member's role. The last admin cannot be demoted;
   * nobody grants or changes a role above their own.
   */
  async setMember(id: string, userId: string, role: Role, ctx: RequestContext): Promise<Member> {
    const principal = requirePrincipal(ctx);
    await this.#manageable(id, principal);
    const before = await this.#d.teams.findMember(id, userId);
    assertMayGrant(principal, id, role);
    if (before) assertMayGrant(principal, id, before.role as Role);
    if (before?.role === "admin" && role !== "admin") await this.#assertAnotherAdmin(id, userId);
    try {
      await this.#d.teams.upsertMember(id, userId, role, this.#d.clock.now());
    } catch (error) {
      throw new AppError("user.not_found", `No user ${userId}`, { cause: error });
    }
    await this.#record(ctx, before ? "team.member_role_changed" : "team.member_added", id, {
      userId,
      role,
      ...(before ? { previousRole: before.role } : {}),
    });
    const member = (await this.#d.teams.members(id)).find((m) => m.userId === userId);
    if (!member) throw new AppError("user.not_found", `No user ${userId}`);
    return { userId, email: member.email, name: member.name, role, joinedAt: iso(member.joinedAt) };
  }

  async removeMember(id: string, userId: string, ctx: RequestContext): Promise<void> {
    const principal = requirePrincipal(ctx);
    await this.#manageable(id, principal);
    const before = await this.#d.teams.findMember(id, userId);
    if (!before) throw new AppError("member.not_found", `User ${userId} is not a member`);
    assertMayGrant(principal, id, before.role as Role);
    if (before.role === "admin") await this.#assertAnotherAdmin(id, userId);
    await this.#d.teams.removeMember(id, userId);
    await this.#record(ctx, "team.member_removed", id, { userId, role: before.role });
  }

  /** The team row if the principal may see it; otherwise as if it did not exist. */
  async #visible(id: string, principal: Principal): Promise<TeamRow> {
    const row = await this.#d.teams.findById(id);
    if (!row || !seesTeam(principal, id)) {
      throw new AppError("team.not_found", `No team ${id}`);
    }
    return row;
  }

  /** @throws AppError 404 when invisible, 403 when visible but not manageable. */
  async #manageable(id: string, principal: Principal): Promise<TeamRow> {
    const row = await this.#visible(id, principal);
    if (!can(principal, "teams:manage", id)) {
      throw new AppError("auth.forbidden", "Managing this team needs the teams:manage permission in it");
    }
    return row;
  }

  async #assertAnotherAdmin(teamId: string, leaving: string): Promise<void> {
    const admins = (await this.#d.teams.members(teamId)).filter(
      (m) => m.role === "admin" && m.userId !== leaving,
    );
    if (admins.length === 0) throw new AppError("resource.conflict", "A team needs at least one admin");
  }

  async #record(
    ctx: RequestContext,
    action: string,
    teamId: string,
    summary: Record<string, unknown>,
  ): Promise<void> {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "team", id: teamId },
      teamId,
      summary,
    });
  }
}

/**
 * Refuses a team role above the one `principal` holds in the team (handing it out, or acting on a
 * member who holds it). @throws AppError `auth.forbidden`.
 */
export function assertMayGrant(principal: Principal, teamId: string, role: Role): void {
  if (!mayGrant(principal, role, teamId))
    throw new AppError(
      "auth.forbidden",
      `Only a ${role} of this team or above may grant or change the ${role} role`,
      {
        details: { role },
      },
    );
}

function toTeam(row: TeamRow, role: Role | null): Team {
  return { id: row.id, name: row.name, slug: row.slug, createdAt: iso(row.created_at), role };
}
