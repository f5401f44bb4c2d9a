import type { Me, Role } from "@parley/contracts";

/** Team roles that hold `guides:write` and `ai:use` (docs/ACCESS.md); viewers only read. */
const WRITES: readonly Role[] = ["developer", "operator", "admin"];

type Person = { teams: readonly Pick<Me["teams"][number], "id" | "role">[] };

/**
 * Whether `me` may edit, tick and template the guides of team `teamId`, as the server's `can()`:
 * the role in that team decides (a global admin outside the team does not see its guides).
 * @example
 * mayWriteGuides({ teams: [{ id: "t1", role: "developer" }] }, "t1") // true
 */
export function mayWriteGuides(me: Person | null | undefined, teamId: string | null | undefined): boolean {
  if (!me || !teamId) return false;
  const role = me.teams.find((t) => t.id === teamId)?.role;
  return role !== undefined && WRITES.includes(role);
}

/**
 * Whether `me` may draft or estimate with the AI in team `teamId` (`ai:use` there). The same
 * roles hold it today; kept apart so the screens say which permission they ask for.
 * @example
 * mayDraftGuides({ teams: [{ id: "t1", role: "viewer" }] }, "t1") // false
 */
export function mayDraftGuides(me: Person | null | undefined, teamId: string | null | undefined): boolean {
  return mayWriteGuides(me, teamId);
}
