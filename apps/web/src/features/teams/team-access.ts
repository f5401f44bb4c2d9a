import type { Me, Role, Team } from "@parley/contracts";

const RANK: Record<Role, number> = { viewer: 0, developer: 1, operator: 2, admin: 3 };

/** Every role, highest first. */
export const ROLES: readonly Role[] = ["admin", "operator", "developer", "viewer"];

/** Whether `me` may manage the team: its admins, and global admins (as the server decides). */
export function managesTeam(me: Me | null | undefined, team: Pick<Team, "role"> | undefined): boolean {
  if (!me || !team || me.authenticatedBy !== "session") return false;
  return me.user.globalRole === "admin" || team.role === "admin";
}

/** Whether `me` may create teams: that needs teams:manage from a global role. */
export function createsTeams(me: Me | null | undefined): boolean {
  return me?.user.globalRole === "admin";
}

/**
 * The team roles `me` may hand out or act on in a team: none above their own there (global admins:
 * every role).
 */
export function grantableRoles(me: Me | null | undefined, team: Pick<Team, "role"> | undefined): Role[] {
  if (!managesTeam(me, team) || !me) return [];
  const own = me.user.globalRole === "admin" ? 3 : RANK[team?.role ?? "viewer"];
  return ROLES.filter((r) => RANK[r] <= own);
}
