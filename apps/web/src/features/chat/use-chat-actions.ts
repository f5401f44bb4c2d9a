import type { ConversationWithMessages, RegenerateResponse, SendMessageResponse } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api.ts";

/**
 * The writes of one conversation: send (or edit and resend), regenerate, stop, rename, change
 * model, delete. Each refreshes what it changed; the answer itself arrives on the event stream.
 */
export function useChatActions(conversationId: string) {
  const queryClient = useQueryClient();
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ["conversation", conversationId] });
  };
  const refreshList = async () => {
    await queryClient.invalidateQueries({ queryKey: ["conversations"] });
  };
  return {
    send: useMutation({
      mutationFn: (input: { content: string; editOf?: string }) =>
        api<SendMessageResponse>(`/api/v1/conversations/${conversationId}/messages`, {
          method: "POST",
          body: input,
        }),
      onSuccess: async (sent, input) => {
        // Show the exchange at once (an edit drops what it replaces); the refetch brings the
        // server's view.
        queryClient.setQueryData<ConversationWithMessages>(["conversation", conversationId], (old) => {
          if (!old) return old;
          const cut = input.editOf ? old.messages.findIndex((m) => m.id === input.editOf) : -1;
          const kept = cut >= 0 ? old.messages.slice(0, cut) : old.messages;
          return { ...old, messages: [...kept, sent.userMessage, sent.assistantMessage] };
        });
        await Promise.all([refresh(), refreshList()]);
      },
    }),
    regenerate: useMutation({
      mutationFn: (messageId: string) =>
        api<RegenerateResponse>(`/api/v1/messages/${messageId}/regenerate`, { method: "POST", body: {} }),
      onSuccess: async (regenerated, messageId) => {
        queryClient.setQueryData<ConversationWithMessages>(["conversation", conversationId], (old) => {
          if (!old) return old;
          const cut = old.messages.findIndex((m) => m.id === messageId);
          const kept = cut >= 0 ? old.messages.slice(0, cut) : old.messages;
          return { ...old, messages: [...kept, regenerated.assistantMessage] };
        });
        await refresh();
      },
    }),
    stop: useMutation({
      mutationFn: (messageId: string) => api(`/api/v1/messages/${messageId}/cancel`, { method: "POST" }),
    }),
    update: useMutation({
      mutationFn: (patch: { title?: string; model?: string }) =>
        api(`/api/v1/conversations/${conversationId}`, { method: "PATCH", body: patch }),
      onSuccess: async () => {
        await Promise.all([refresh(), refreshList()]);
      },
    }),
    remove: useMutation({
      mutationFn: () => api(`/api/v1/conversations/${conversationId}`, { method: "DELETE" }),
      onSuccess: refreshList,
    }),
  };
}
