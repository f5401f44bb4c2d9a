import { useSearchParams } from "react-router";
import { useMe } from "../auth/use-me.ts";

/**
 * The team whose guides the area shows: `?team=` when it names one of the user's teams, else
 * their first team (null when they are in none). Kept in the address, so links and reloads keep it.
 */
export function useGuideTeam() {
  const me = useMe().data;
  const [params, setParams] = useSearchParams();
  const teams = me?.teams ?? [];
  const asked = params.get("team");
  const teamId = teams.find((t) => t.id === asked)?.id ?? teams[0]?.id ?? null;
  const setTeam = (id: string) => {
    setParams((previous) => {
      const next = new URLSearchParams(previous);
      next.set("team", id);
      return next;
    });
  };
  return { me, teams, teamId, setTeam };
}

/** `path` with the team kept in its query. */
export const withTeam = (path: string, teamId: string | null) =>
  teamId ? `${path}?team=${encodeURIComponent(teamId)}` : path;
