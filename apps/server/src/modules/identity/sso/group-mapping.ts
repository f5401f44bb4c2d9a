import { Role } from "@parley/contracts";
import type { OidcProviderConfig } from "../../../config/config.schema.ts";

/** Team role of a mapping that names a team but no `teamRole`: what invitations default to. */
export const DEFAULT_TEAM_ROLE: Role = "developer";

/** What a user's groups grant them at one provider. */
export interface MappedAccess {
  /** The global role; null when neither a mapping nor `defaultRole` grants one (refused). */
  globalRole: Role | null;
  /**
   * True when a group mapping (not `defaultRole`) decided the role. Only then is an existing
   * account's role changed: `defaultRole` applies to new accounts, so signing in through SSO
   * never demotes, say, the bootstrap admin whose groups the mappings do not mention.
   */
  roleFromGroups: boolean;
  /** Team slug → role, for the teams the user's groups map to. */
  teams: Map<string, Role>;
  /** Slugs of every team the provider's mappings name: their membership follows the groups. */
  managedTeams: Set<string>;
}

// Role.options is ordered from most to least powerful.
const rank = (role: Role): number => Role.options.length - Role.options.indexOf(role);

/** The more powerful of two roles; `undefined` counts as none. */
export function higherRole(a: Role | undefined, b: Role): Role {
  return a !== undefined && rank(a) >= rank(b) ? a : b;
}

/**
 * Applies the provider's `groupMappings` to a user's groups: the highest `globalRole` among the
 * matching mappings (else `defaultRole`), and for each mapped team the highest `teamRole`.
 * @example
 * mapGroups({ ...provider, groupMappings: [{ group: "eng", team: "eng", teamRole: "developer" }] }, ["eng"])
 * // { globalRole: "viewer", teams: Map { "eng" => "developer" }, managedTeams: Set { "eng" } }
 */
export function mapGroups(
  provider: Pick<OidcProviderConfig, "groupMappings" | "defaultRole">,
  groups: readonly string[],
): MappedAccess {
  const held = new Set(groups);
  let globalRole: Role | undefined;
  const teams = new Map<string, Role>();
  const managedTeams = new Set<string>();
  for (const mapping of provider.groupMappings) {
    if (mapping.team) managedTeams.add(mapping.team);
    if (!held.has(mapping.group)) continue;
    if (mapping.globalRole) globalRole = higherRole(globalRole, mapping.globalRole);
    if (mapping.team)
      teams.set(mapping.team, higherRole(teams.get(mapping.team), mapping.teamRole ?? DEFAULT_TEAM_ROLE));
  }
  return {
    globalRole: globalRole ?? provider.defaultRole,
    roleFromGroups: globalRole !== undefined,
    teams,
    managedTeams,
  };
}

/**
 * The groups in a claims set: `claim` as a top-level claim, else as a dotted path into nested
 * objects (`realm_access.roles`). A single string counts as one group; anything else as none.
 * @returns the groups, or undefined when the claim is absent.
 */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] | undefined {
  let value: unknown = claims[claim];
  if (value === undefined && claim.includes(".")) {
    value = claim.split(".").reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), claims);
  }
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === "string") : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
