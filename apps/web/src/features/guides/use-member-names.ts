import type { ItemList, Member } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";
import { useMe } from "../auth/use-me.ts";

/**
 * Who is who in team `teamId`, to say who ticked a task: "You", a member's name (or email), or
 * "a former member" for someone no longer in the team; null while the member list is not (yet) known,
 * so a page never calls a current member "former" before their name arrived.
 */
export function useMemberNames(teamId: string): (userId: string) => string | null {
  const me = useMe().data;
  const members = useQuery({
    queryKey: ["teams", teamId, "members"],
    queryFn: () => api<ItemList<Member>>(`/api/v1/teams/${encodeURIComponent(teamId)}/members`),
    staleTime: 300_000,
  });
  const names = new Map((members.data?.items ?? []).map((m) => [m.userId, m.name || m.email]));
  return (userId) => {
    if (userId === me?.user.id) return "you";
    if (!members.data) return null;
    return names.get(userId) ?? "a former member";
  };
}
