import type { AccessExplanation, ExplainQuery, Me, Role } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { AuthService } from "./auth.service.ts";
import {
  can,
  effectivePermissions,
  type Principal,
  requirePrincipal,
  seesTeam,
} from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import { crossTeamPermissions, rolePermissions, TEAM_PERMISSIONS } from "../../kernel/role-permissions.ts";
import type { TeamRepository } from "./team.repository.ts";
import type { UserRepository } from "./user.repository.ts";
import { toUser } from "./user-view.ts";

/** Answers "who am I" and "why may (or may not) someone do this". */
export class AccessService {
  readonly #d: { users: UserRepository; teams: TeamRepository; auth: AuthService };
  constructor(deps: { users: UserRepository; teams: TeamRepository; auth: AuthService }) {
    this.#d = deps;
  }

  async me(ctx: RequestContext): Promise<Me> {
    const principal = requirePrincipal(ctx);
    const user = await this.#d.users.findById(principal.userId);
    if (!user) throw new AppError("auth.invalid_token", "The account no longer exists");
    const teams = await this.#d.users.memberships(user.id);
    return {
      user: toUser(user),
      teams: teams.map((t) => ({ id: t.teamId, name: t.name, slug: t.slug, role: t.role })),
      permissions: effectivePermissions(principal),
      authenticatedBy: principal.apiKey ? "api_key" : "session",
    };
  }

  /**
   * Explains a decision for the caller, or for another user with `users:read`. A team the
   * caller cannot see is reported as unknown, never described.
   */
  async explain(query: ExplainQuery, ctx: RequestContext): Promise<AccessExplanation> {
    const caller = requirePrincipal(ctx);
    let subject: Principal = caller;
    if (query.userId && query.userId !== caller.userId) {
      const user = can(caller, "users:read", null) ? await this.#d.users.findById(query.userId) : undefined;
      if (!user) throw new AppError("user.not_found", `No user ${query.userId}`);
      subject = await this.#d.auth.principalOf(user);
    }
    const teamId = query.resource?.slice("team:".length) ?? null;
    if (teamId && !seesTeam(caller, teamId)) {
      throw new AppError("team.not_found", `No team ${teamId}`);
    }
    if (teamId && !(await this.#d.teams.findById(teamId)))
      throw new AppError("team.not_found", `No team ${teamId}`);
    const reasons = explainReasons(subject, query.permission, teamId);
    return {
      permission: query.permission,
      resource: query.resource ?? null,
      userId: subject.userId,
      allowed: can(subject, query.permission, teamId),
      reasons,
    };
  }
}

function explainReasons(
  p: Principal,
  permission: AccessExplanation["permission"],
  teamId: string | null,
): string[] {
  const reasons: string[] = [];
  const grants = (role: Role) => rolePermissions[role].includes(permission);
  const global = grants(p.globalRole);
  reasons.push(
    `global role ${p.globalRole} ${global ? "grants" : "does not grant"} ${permission}${
      teamId ? "" : " on global and personal resources"
    }`,
  );
  if (!TEAM_PERMISSIONS.has(permission)) reasons.push(`${permission} is global: no team role grants it`);
  if (teamId) {
    if (crossTeamPermissions[p.globalRole].includes(permission))
      reasons.push(`global role ${p.globalRole} grants ${permission} in every team`);
    const role = p.teams.get(teamId);
    reasons.push(
      role === undefined
        ? `not a member of team ${teamId}`
        : `team role ${role} in ${teamId} ${grants(role) && TEAM_PERMISSIONS.has(permission) ? "grants" : "does not grant"} ${permission}`,
    );
  } else if (TEAM_PERMISSIONS.has(permission)) {
    for (const [team, role] of p.teams)
      if (grants(role))
        reasons.push(`team role ${role} in ${team} grants ${permission} on that team's resources`);
  }
  if (p.apiKey) {
    reasons.push(
      p.apiKey.permissions.includes(permission)
        ? `API key ${p.apiKey.id} includes ${permission}`
        : `API key ${p.apiKey.id} does not include ${permission}`,
    );
    if (p.apiKey.teamId && p.apiKey.teamId !== teamId)
      reasons.push(`API key is limited to the resources of team ${p.apiKey.teamId}`);
  }
  return reasons;
}
