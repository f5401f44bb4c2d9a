import type { Permission } from "@parley/contracts";
import { can, type Principal, boundTeam } from "../../kernel/principal.ts";
import { rolePermissions } from "../../kernel/role-permissions.ts";
import type { AuditScope } from "./audit.service.ts";

const READ: Permission = "audit:read";

/**
 * The entries `principal` may read: all of them with `audit:read` from the global role (and no
 * team-bound API key), else those of the teams where a team role grants it. Entries of other
 * teams, and entries without a team, stay invisible to team-level auditors.
 * @example
 * const page = await audit.list(query, auditScopeOf(request.principal));
 */
export function auditScopeOf(principal: Principal): AuditScope {
  const keyTeam = boundTeam(principal);
  const keyAllows = principal.apiKey === undefined || principal.apiKey.permissions.includes(READ);
  if (keyTeam === null && keyAllows && rolePermissions[principal.globalRole].includes(READ)) {
    return { allTeams: true };
  }
  const candidates = keyTeam === null ? [...principal.teams.keys()] : [keyTeam];
  return { allTeams: false, teamIds: candidates.filter((teamId) => can(principal, READ, teamId)) };
}
