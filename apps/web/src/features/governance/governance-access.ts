import type { Me, Role } from "@parley/contracts";

/** Roles that hold `governance:manage` (docs/ACCESS.md); viewers and developers only read rules. */
const MANAGES: readonly Role[] = ["operator", "admin"];

type Person = {
  user: Pick<Me["user"], "globalRole">;
  teams: readonly Pick<Me["teams"][number], "id" | "name" | "role">[];
  permissions?: readonly string[];
};

/**
 * Whether `me` sees the Governance area at all: `governance:read` somewhere.
 * @example
 * mayReadGovernance({ user: { globalRole: "viewer" }, teams: [], permissions: ["governance:read"] }) // true
 */
export function mayReadGovernance(me: Person | null | undefined): boolean {
  return me?.permissions?.includes("governance:read") ?? false;
}

/**
 * Whether `me` may change, enable, disable or delete a rule of team `teamId` (null: an
 * organisation-wide rule, which needs the global role), as the server's `can()`.
 * @example
 * mayManageRules({ user: { globalRole: "viewer" }, teams: [{ id: "t1", name: "Ops", role: "operator" }] }, "t1") // true
 */
export function mayManageRules(me: Person | null | undefined, teamId: string | null): boolean {
  if (!me) return false;
  if (teamId === null) return MANAGES.includes(me.user.globalRole);
  if (me.user.globalRole === "admin") return true;
  const role = me.teams.find((t) => t.id === teamId)?.role;
  return role !== undefined && MANAGES.includes(role);
}

/**
 * Where `me` may create a rule: organisation-wide, and in which of their teams.
 * @example
 * placesToCreateRules(me).orgWide // true for a global operator
 */
export function placesToCreateRules(me: Person | null | undefined): {
  orgWide: boolean;
  teams: { id: string; name: string }[];
} {
  if (!me) return { orgWide: false, teams: [] };
  return {
    orgWide: mayManageRules(me, null),
    teams: me.teams.filter((t) => mayManageRules(me, t.id)).map(({ id, name }) => ({ id, name })),
  };
}

/**
 * Whether `me` may approve or deny a call held in team `teamId` (null: a call outside teams,
 * which needs the global role), as the server's `can(…, "governance:approve", …)`: a team's
 * operators and admins. The server also refuses one's own request.
 * @example
 * mayApprove({ user: { globalRole: "viewer" }, teams: [{ id: "t1", name: "Ops", role: "admin" }] }, "t1") // true
 */
export function mayApprove(me: Person | null | undefined, teamId: string | null): boolean {
  // governance:approve is held by the same roles as governance:manage (docs/ACCESS.md).
  return mayManageRules(me, teamId);
}
