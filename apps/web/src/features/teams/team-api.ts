import type { Invitation, InvitationCreated, ItemList, Member, Role, Team } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api.ts";

/** The teams the signed-in person sees (all of them for global admins). */
export function useTeams() {
  return useQuery({ queryKey: ["teams"], queryFn: () => api<ItemList<Team>>("/api/v1/teams?limit=200") });
}

/** One team. */
export function useTeam(id: string) {
  return useQuery({ queryKey: ["teams", id], queryFn: () => api<Team>(`/api/v1/teams/${id}`), retry: false });
}

/** A team's members with their roles. */
export function useMembers(id: string) {
  return useQuery({
    queryKey: ["teams", id, "members"],
    queryFn: () => api<ItemList<Member>>(`/api/v1/teams/${id}/members`),
  });
}

/** A team's open invitations (for those who manage it). */
export function useInvitations(id: string) {
  return useQuery({
    queryKey: ["teams", id, "invitations"],
    queryFn: () => api<ItemList<Invitation>>(`/api/v1/teams/${id}/invitations`),
  });
}

/** The team's writes: rename, delete, member roles, removals, invitations. */
export function useTeamActions(id: string) {
  const queryClient = useQueryClient();
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ["teams"] });
    // One's own role or teams may have changed.
    await queryClient.invalidateQueries({ queryKey: ["me"] });
  };
  return {
    rename: useMutation({
      mutationFn: (name: string) => api<Team>(`/api/v1/teams/${id}`, { method: "PATCH", body: { name } }),
      onSuccess: refresh,
    }),
    remove: useMutation({
      mutationFn: () => api(`/api/v1/teams/${id}`, { method: "DELETE" }),
      onSuccess: refresh,
    }),
    setRole: useMutation({
      mutationFn: (change: { userId: string; role: Role }) =>
        api<Member>(`/api/v1/teams/${id}/members/${change.userId}`, {
          method: "PUT",
          body: { role: change.role },
        }),
      onSuccess: refresh,
    }),
    removeMember: useMutation({
      mutationFn: (userId: string) => api(`/api/v1/teams/${id}/members/${userId}`, { method: "DELETE" }),
      onSuccess: refresh,
    }),
    invite: useMutation({
      mutationFn: (input: { email?: string; role: Role }) =>
        api<InvitationCreated>(`/api/v1/teams/${id}/invitations`, { method: "POST", body: input }),
      onSuccess: () => queryClient.invalidateQueries({ queryKey: ["teams", id, "invitations"] }),
    }),
    revokeInvitation: useMutation({
      mutationFn: (invitationId: string) =>
        api(`/api/v1/teams/${id}/invitations/${invitationId}`, { method: "DELETE" }),
      onSuccess: () => queryClient.invalidateQueries({ queryKey: ["teams", id, "invitations"] }),
    }),
  };
}
