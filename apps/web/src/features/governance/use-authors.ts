import type { GovernanceRule, ItemList, Member, User } from "@parley/contracts";
import { useQueries, useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";
import { useMe } from "../auth/use-me.ts";

/**
 * Names for the people who saved a rule's versions: the rule's team members, yourself, and
 * anyone else whose account you may read; `null` ids (deleted accounts) and the rest stay unnamed.
 */
export function useAuthors(
  rule: Pick<GovernanceRule, "teamId"> | undefined,
  ids: readonly (string | null)[],
) {
  const me = useMe().data;
  const members = useQuery({
    queryKey: ["teams", rule?.teamId, "members"],
    queryFn: () => api<ItemList<Member>>(`/api/v1/teams/${encodeURIComponent(rule?.teamId ?? "")}/members`),
    enabled: Boolean(rule?.teamId),
  });
  const known = new Map<string, string>();
  if (me) known.set(me.user.id, "You");
  for (const m of members.data?.items ?? []) if (!known.has(m.userId)) known.set(m.userId, m.name || m.email);
  const unknown = [...new Set(ids)].filter(
    (id): id is string => id !== null && !known.has(id) && (!rule?.teamId || members.isFetched),
  );
  const users = useQueries({
    queries: unknown.map((id) => ({
      queryKey: ["users", id],
      queryFn: () => api<User>(`/api/v1/users/${encodeURIComponent(id)}`),
      retry: false,
      staleTime: 300_000,
    })),
  });
  users.forEach((u) => {
    if (u.data) known.set(u.data.id, u.data.name || u.data.email);
  });
  return (id: string | null): string =>
    id === null ? "A deleted account" : (known.get(id) ?? "Someone else");
}
