import type { Me } from "@parley/contracts";

/**
 * Whether the signed-in user may write in a conversation of team `teamId` (null: a personal
 * one): send, edit, regenerate, rate answers. Viewers read only; the server refuses their writes
 * with `conversations:write`, so the app does not offer them.
 */
export function mayWrite(me: Me | null | undefined, teamId: string | null): boolean {
  if (!me) return false;
  if (teamId === null) return me.user.globalRole !== "viewer";
  const role = me.teams.find((t) => t.id === teamId)?.role;
  return role !== undefined && role !== "viewer";
}

/** Whether the user may start a chat anywhere: personally or in one of their teams. */
export function mayStartChats(me: Me | null | undefined): boolean {
  return mayWrite(me, null) || (me?.teams.some((t) => mayWrite(me, t.id)) ?? false);
}
