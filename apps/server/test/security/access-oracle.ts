import type { Permission, Role } from "@parley/contracts";
import { rolePermissions } from "../../src/kernel/role-permissions.ts";

/**
 * The expected answer of every (actor, operation, resource) cell of the access matrix, written
 * from `docs/ACCESS.md`, not from the server's code: which permissions only a global role grants,
 * what a global role grants across teams, who sees which resource. Only the role → permission
 * table itself is shared with the server (and `docs/ACCESS.md` is checked against it).
 */

/** The two teams of the world; a `'` marks a throwaway copy of one (same members, new id). */
export type TeamLabel = "A" | "B" | "A'" | "B'";

/** Who calls. */
export interface ActorSpec {
  name: string;
  /** Null: anonymous. */
  globalRole: Role | null;
  teams: Partial<Record<"A" | "B", Role>>;
  key?: { permissions: readonly Permission[]; team: "A" | "B" | null };
}

/** Where a resource lives, as the matrix names it. */
export type Scope =
  | { kind: "none" }
  | { kind: "global" }
  | { kind: "unknown" }
  | { kind: "team"; team: TeamLabel }
  /** The caller's own personal resource (its key owner's, for API keys). */
  | { kind: "own" }
  /** Someone else's personal resource. */
  | { kind: "other" }
  /** Another account: `rank` is its global role. */
  | { kind: "user"; rank: Role };

export type Expected = "allowed" | "unauthenticated" | "forbidden" | "hidden";

/** Only a global role grants these: a team admin is no platform admin. */
export const GLOBAL_ONLY: ReadonlySet<string> = new Set([
  "users:read",
  "users:manage",
  "providers:read",
  "providers:manage",
  "system:read",
]);

/** What a global role grants on every team's resources, member or not. */
const CROSS_TEAM: Record<Role, readonly string[]> = {
  viewer: [],
  developer: [],
  operator: ["audit:read", "usage:read"],
  admin: rolePermissions.admin,
};

const RANK: Record<Role, number> = { viewer: 0, developer: 1, operator: 2, admin: 3 };

const baseTeam = (team: TeamLabel): "A" | "B" => (team.startsWith("A") ? "A" : "B");

function keyAllows(actor: ActorSpec, permission: string, where: TeamLabel | null): boolean {
  const key = actor.key;
  if (!key) return true;
  if (!(key.permissions as readonly string[]).includes(permission)) return false;
  return key.team === null || key.team === where;
}

function roleGrants(role: Role | undefined, permission: string): boolean {
  return role !== undefined && (rolePermissions[role] as readonly string[]).includes(permission);
}

/** Whether `actor` holds `permission` on global/personal resources (null) or in team `where`. */
export function holds(actor: ActorSpec, permission: string, where: TeamLabel | null): boolean {
  if (!actor.globalRole || !keyAllows(actor, permission, where)) return false;
  if (where === null) return roleGrants(actor.globalRole, permission);
  if (GLOBAL_ONLY.has(permission)) return false;
  if (CROSS_TEAM[actor.globalRole].includes(permission)) return true;
  return roleGrants(actor.teams[baseTeam(where)], permission);
}

function holdsAnywhere(actor: ActorSpec, permission: string): boolean {
  return ([null, "A", "B"] as const).some((where) => holds(actor, permission, where));
}

function readsEveryTeam(actor: ActorSpec, permission: string): boolean {
  const role = actor.globalRole;
  return (
    role !== null &&
    !GLOBAL_ONLY.has(permission) &&
    CROSS_TEAM[role].includes(permission) &&
    keyAllows(actor, permission, null)
  );
}

function isMember(actor: ActorSpec, team: TeamLabel): boolean {
  return actor.teams[baseTeam(team)] !== undefined;
}

function keyReaches(actor: ActorSpec, team: TeamLabel | null): boolean {
  return !actor.key || actor.key.team === null || actor.key.team === team;
}

/** How an operation treats the resource its path (or `teamId`) names. */
export type ResourceRule =
  /** Teams: members and global admins see one. */
  | "team"
  /** Conversations and their messages: members only, even for global admins; personal: owner only. */
  | "private"
  /** Assistants: as `private`; changing someone else's team-visible one needs `assistants:manage` there. */
  | "assistant"
  /** Projects: always a team's; as `private` there (members only, global admins included). */
  | "project"
  /** Accounts: one's own, or any with a global users:read. */
  | "account"
  /** One's API keys; anyone's for a global users:manage. */
  | "api-key"
  /** One's signed-in sessions: one's own only, whoever asks (someone else's is hidden). */
  | "session"
  /** Providers, models, the whole audit chain: global. */
  | "global"
  /** A collection, acting where the caller's credential points: its key's team, else its own account. */
  | "caller"
  /** As `caller`, for conversations: in the key's team only as a member. */
  | "caller-private"
  /** A collection that lists or reports whatever the caller may see. */
  | "anywhere"
  /** A team named by `teamId`; cross-team grants (operators' oversight reads) reach any team. */
  | "team-ref";

/**
 * The expected answer for `actor` calling an operation that requires `permission` on a resource
 * in `scope`, treated by `rule`.
 */
export function expected(actor: ActorSpec, permission: string, rule: ResourceRule, scope: Scope): Expected {
  if (!actor.globalRole) return "unauthenticated";
  if (permission !== "authenticated" && !holdsAnywhere(actor, permission)) return "forbidden";
  const decide = (visible: boolean, permitted: boolean): Expected =>
    !visible ? "hidden" : permitted ? "allowed" : "forbidden";
  const need = (where: TeamLabel | null) => permission === "authenticated" || holds(actor, permission, where);
  switch (scope.kind) {
    case "unknown":
      if (rule === "global" && !need(null)) return "forbidden";
      // A filter naming no team finds nothing for those who may read every team's records.
      return rule === "team-ref" && readsEveryTeam(actor, permission) ? "allowed" : "hidden";
    case "none":
      if (rule === "global") return decide(true, need(null));
      if (rule === "caller") return decide(true, need(actor.key?.team ?? null));
      if (rule === "caller-private")
        return actor.key?.team
          ? expected(actor, permission, "private", { kind: "team", team: actor.key.team })
          : decide(true, need(null));
      return "allowed";
    case "global":
      return decide(true, need(null));
    case "own":
      // Revoking one's own key only ever reduces power: whoever manages keys anywhere may.
      if (rule === "api-key") return decide(keyReaches(actor, null), true);
      if (rule === "private" || rule === "assistant") return decide(keyReaches(actor, null), need(null));
      return decide(true, need(null));
    case "other":
      return rule === "api-key" ? decide(holds(actor, "users:manage", null), true) : "hidden";
    case "user": {
      const readable = holds(actor, "users:read", null);
      if (permission === "authenticated") return decide(readable, true);
      return decide(readable, need(null) && RANK[actor.globalRole] >= RANK[scope.rank]);
    }
    case "team": {
      const team = scope.team;
      if (rule === "private" || rule === "project")
        return decide(isMember(actor, team) && keyReaches(actor, team), need(team));
      if (rule === "assistant")
        return decide(
          isMember(actor, team) && keyReaches(actor, team),
          need(team) && (permission !== "assistants:write" || holds(actor, "assistants:manage", team)),
        );
      const visible = (actor.globalRole === "admin" || isMember(actor, team)) && keyReaches(actor, team);
      if (rule === "team-ref" && need(team)) return "allowed";
      return decide(visible, need(team));
    }
  }
}
