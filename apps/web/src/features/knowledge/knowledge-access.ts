import type { KnowledgeBase, Me, Role } from "@parley/contracts";

/** Roles that hold `knowledge:manage` (docs/ACCESS.md); viewers only read and search. */
const MANAGES: readonly Role[] = ["developer", "operator", "admin"];

type Person = {
  user: Pick<Me["user"], "globalRole">;
  teams: readonly Pick<Me["teams"][number], "id" | "name" | "role">[];
};

/**
 * Whether `me` may upload to, change or delete `base`: the global role decides on a personal base,
 * the role in its team on a team's (a global admin manages every team's), as the server's `can()`.
 * @example
 * mayManage({ user: { globalRole: "viewer" }, teams: [{ id: "t1", name: "Docs", role: "developer" }] }, { teamId: "t1" }) // true
 */
export function mayManage(me: Person | null | undefined, base: Pick<KnowledgeBase, "teamId">): boolean {
  if (!me) return false;
  if (base.teamId === null) return MANAGES.includes(me.user.globalRole);
  if (me.user.globalRole === "admin") return true;
  const role = me.teams.find((t) => t.id === base.teamId)?.role;
  return role !== undefined && MANAGES.includes(role);
}

/**
 * Where `me` may create a knowledge base: in their personal space, and in which teams.
 * @example
 * placesToCreate(me).personal // true for a developer
 */
export function placesToCreate(me: Person | null | undefined): {
  personal: boolean;
  teams: { id: string; name: string }[];
} {
  if (!me) return { personal: false, teams: [] };
  return {
    personal: MANAGES.includes(me.user.globalRole),
    teams: me.teams.filter((t) => mayManage(me, { teamId: t.id })).map(({ id, name }) => ({ id, name })),
  };
}
