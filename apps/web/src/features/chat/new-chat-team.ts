import type { Me, Role } from "@parley/contracts";

/** Roles that may write conversations (viewers only read). */
const WRITES: readonly Role[] = ["developer", "operator", "admin"];

/**
 * Where a new chat starts: the user's own space when their global role lets them write
 * conversations, else the first team where their role does (an invited account is a global
 * viewer with a role in its team). Undefined: personal; null: nowhere.
 * @example
 * newChatTeam({ user: { globalRole: "viewer" }, teams: [{ id: "t1", role: "developer" }] }) // "t1"
 */
export function newChatTeam(me: {
  user: Pick<Me["user"], "globalRole">;
  teams: readonly Pick<Me["teams"][number], "id" | "role">[];
}): string | undefined | null {
  if (WRITES.includes(me.user.globalRole)) return undefined;
  return me.teams.find((team) => WRITES.includes(team.role))?.id ?? null;
}
