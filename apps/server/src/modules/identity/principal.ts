import type { Permission, Role } from "@parley/contracts";
import { rolePermissions } from "./role-permissions.ts";

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
 * Whether `principal` holds `permission`, globally or, when `teamId` is given, in that team.
 * An API key only ever narrows: it must list the permission and, when bound to a team, match it.
 * @example
 * can(principal, "conversations:write", conversation.teamId)
 */
export function can(principal: Principal, permission: Permission, teamId?: string | null): boolean {
  if (principal.apiKey) {
    if (!principal.apiKey.permissions.includes(permission)) return false;
    if (principal.apiKey.teamId && teamId && principal.apiKey.teamId !== teamId) return false;
  }
  if (rolePermissions[principal.globalRole].includes(permission)) return true;
  if (teamId) {
    const teamRole = principal.teams.get(teamId);
    return teamRole !== undefined && rolePermissions[teamRole].includes(permission);
  }
  // Without a specific team, a permission held in any team lets the request through; services
  // then check the resource's own team.
  for (const role of principal.teams.values()) if (rolePermissions[role].includes(permission)) return true;
  return false;
}

/** Every permission the principal holds somewhere, sorted. */
export function effectivePermissions(principal: Principal): Permission[] {
  const set = new Set<Permission>(rolePermissions[principal.globalRole]);
  for (const role of principal.teams.values()) for (const p of rolePermissions[role]) set.add(p);
  const all = [...set].sort();
  return principal.apiKey ? all.filter((p) => principal.apiKey?.permissions.includes(p)) : all;
}
