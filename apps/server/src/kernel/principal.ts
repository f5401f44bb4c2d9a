import type { Permission, Role } from "@parley/contracts";
import { AppError } from "./app-error.ts";
import type { RequestContext } from "./request-context.ts";
import { crossTeamPermissions, ROLE_RANK, rolePermissions, TEAM_PERMISSIONS } from "./role-permissions.ts";

/** Who is making a request: a signed-in user, or a program holding one of a user's API keys. */
export interface Principal {
  readonly kind: "user" | "api_key";
  readonly userId: string;
  readonly email: string;
  readonly globalRole: Role;
  /** The user's teams and their role in each. */
  readonly teams: ReadonlyMap<string, Role>;
  /** Set when the request carries an API key: the key narrows what the user may do. */
  readonly apiKey?: {
    readonly id: string;
    readonly permissions: readonly Permission[];
    readonly teamId: string | null;
  };
}

/**
 * Whether `principal` holds `permission` on a resource of team `teamId`, or, with `null`, on a
 * global resource or one of its own personal resources.
 *
 * - Global and personal resources: the global role decides.
 * - A team's resources: the role in that team (team permissions only), or what the global role
 *   grants across teams (see `crossTeamPermissions`).
 * - An API key only narrows: it must list the permission, and a key bound to a team acts on that
 *   team's resources only (never on global or personal ones).
 * @example
 * can(principal, "conversations:write", conversation.teamId)
 */
export function can(principal: Principal, permission: Permission, teamId: string | null): boolean {
  const key = principal.apiKey;
  if (key && (!key.permissions.includes(permission) || (key.teamId !== null && key.teamId !== teamId)))
    return false;
  if (teamId === null) return rolePermissions[principal.globalRole].includes(permission);
  // Global permissions are never held "in a team", not even through a global admin's team-bound key.
  if (!TEAM_PERMISSIONS.has(permission)) return false;
  if (crossTeamPermissions[principal.globalRole].includes(permission)) return true;
  const teamRole = principal.teams.get(teamId);
  return teamRole !== undefined && rolePermissions[teamRole].includes(permission);
}

/**
 * Whether `principal` holds `permission` somewhere: globally, or in at least one team. The HTTP
 * edge lets a request through on this; the service then checks the resource's own team with
 * {@link can}. A global-only permission is held only through the global role.
 */
export function holdsAnywhere(principal: Principal, permission: Permission): boolean {
  if (can(principal, permission, null)) return true;
  for (const teamId of principal.teams.keys()) if (can(principal, permission, teamId)) return true;
  return principal.apiKey?.teamId ? can(principal, permission, principal.apiKey.teamId) : false;
}

/**
 * Whether team `teamId` exists for `principal` at all: its members and global admins see it; a
 * key bound to another team sees nothing of it. Invisible teams answer 404, never 403.
 */
export function seesTeam(principal: Principal, teamId: string): boolean {
  const keyTeam = principal.apiKey?.teamId ?? null;
  if (keyTeam !== null && keyTeam !== teamId) return false;
  return principal.globalRole === "admin" || principal.teams.has(teamId);
}

/** The teams whose resources `principal` may act on with `permission` as a member. */
export function teamsWhere(principal: Principal, permission: Permission): string[] {
  return [...principal.teams.keys()].filter((teamId) => can(principal, permission, teamId));
}

/**
 * Whether `principal` may hand out `role` (to an account, a member, an invitation) in team
 * `teamId`, or globally with `null`: never above the role it holds there itself.
 */
export function mayGrant(principal: Principal, role: Role, teamId: string | null): boolean {
  const own =
    teamId === null
      ? principal.globalRole
      : principal.globalRole === "admin"
        ? "admin"
        : principal.teams.get(teamId);
  return own !== undefined && ROLE_RANK[role] <= ROLE_RANK[own];
}

/** Every permission the principal holds somewhere, sorted. */
export function effectivePermissions(principal: Principal): Permission[] {
  // Admins hold every permission there is.
  return rolePermissions.admin.filter((p) => holdsAnywhere(principal, p)).sort();
}

/**
 * Refuses a use case on global resources unless the caller holds `permission` from its global role
 * (an unbound key), or it is work Parley does on its own behalf (start-up, CLI, jobs). Use cases
 * authorize themselves, so an MCP tool or a bot handler calling them cannot skip the check.
 * @throws AppError `auth.required`, `auth.forbidden`.
 */
export function assertGlobal(ctx: RequestContext, permission: Permission): void {
  if (ctx.system && !ctx.principal) return;
  if (!can(requirePrincipal(ctx), permission, null)) {
    throw new AppError("auth.forbidden", `This needs the ${permission} permission`, {
      details: { permission },
    });
  }
}

/** The signed-in principal; routes with a permission always have one. @throws AppError `auth.required`. */
export function requirePrincipal(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new AppError("auth.required", "Sign in first");
  return ctx.principal;
}

/**
 * Whether a member-private resource (a conversation, a knowledge base) reaches `principal`: a
 * personal one only its owner, without a team-bound key; a team's one that team's members,
 * through a key bound to that team if a key is used. Global admins are no exception.
 */
export function reachesShared(
  principal: Principal,
  row: { ownerId: string; teamId: string | null },
): boolean {
  const keyTeam = principal.apiKey?.teamId ?? null;
  if (row.teamId === null) return row.ownerId === principal.userId && keyTeam === null;
  return principal.teams.has(row.teamId) && (keyTeam === null || keyTeam === row.teamId);
}

/**
 * Refuses `permission` on a team's resources (or, with null, on the caller's own): 404 for a
 * team the caller is not in (or that its key is not bound to), 403 when the role there does not
 * grant it.
 * @throws AppError `team.not_found`, `auth.forbidden`.
 */
export function assertMayIn(
  principal: Principal,
  permission: Permission,
  teamId: string | null,
  what: string,
): void {
  if (teamId !== null && !(principal.teams.has(teamId) && seesTeam(principal, teamId)))
    throw new AppError("team.not_found", `No team ${teamId}`);
  if (principal.apiKey?.teamId && principal.apiKey.teamId !== teamId)
    throw new AppError("team.not_found", `No team ${teamId ?? "(personal)"}`);
  if (!can(principal, permission, teamId))
    throw new AppError("auth.forbidden", `${what} needs the ${permission} permission`, {
      details: { permission },
    });
}
