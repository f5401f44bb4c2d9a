import type { Me, SessionState } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";

/**
 * The signed-in user, or null when signed out. Asks `/api/v1/auth/session`, which answers 200
 * either way (and renews an expired session from the refresh cookie), so a signed-out page load
 * makes no failing request.
 */
export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async (): Promise<Me | null> => (await api<SessionState>("/api/v1/auth/session")).me,
    staleTime: 60_000,
  });
}
