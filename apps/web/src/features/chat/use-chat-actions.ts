import type {
  ChatMessageView,
  UpdateConversationRequest,
  ConversationWithMessages,
  RegenerateResponse,
  SendMessageResponse,
} from "@parley/contracts";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "../../api.ts";

/** Refetches a conversation, and the list when its title or order may have changed. */
function refresher(queryClient: QueryClient, conversationId: string) {
  return {
    conversation: () => queryClient.invalidateQueries({ queryKey: ["conversation", conversationId] }),
    list: () => queryClient.invalidateQueries({ queryKey: ["conversations"] }),
  };
}

/**
 * Shows new messages at once in the cached conversation, dropping the message `replacedFrom` and
 * what follows it (an edit or a regenerate: the first new message is its newest version, n/n);
 * the refetch then brings the server's view.
 */
function showAtOnce(
  queryClient: QueryClient,
  conversationId: string,
  replacedFrom: string | undefined,
  added: ConversationWithMessages["messages"],
): void {
  queryClient.setQueryData<ConversationWithMessages>(["conversation", conversationId], (old) => {
    if (!old) return old;
    const cut = replacedFrom ? old.messages.findIndex((m) => m.id === replacedFrom) : -1;
    const replaced = old.messages[cut];
    const [first, ...rest] = added;
    const shown =
      replaced && first ? [{ ...first, versions: newestAfter(replaced, first.id) }, ...rest] : added;
    return { ...old, messages: [...(cut >= 0 ? old.messages.slice(0, cut) : old.messages), ...shown] };
  });
}

/** The versions of a new version `id` of `message`: the last of them. */
function newestAfter(message: ChatMessageView, id: string): ChatMessageView["versions"] {
  const siblingIds = [...(message.versions?.siblingIds ?? [message.id]), id];
  return { index: siblingIds.length, count: siblingIds.length, siblingIds };
}

/** Rename, change model, delete: what a conversation's menu (in the list or the header) does. */
export function useConversationEdits(conversationId: string) {
  const refresh = refresher(useQueryClient(), conversationId);
  return {
    update: useMutation({
      mutationFn: (patch: UpdateConversationRequest) =>
        api(`/api/v1/conversations/${conversationId}`, { method: "PATCH", body: patch }),
      onSuccess: async () => {
        await Promise.all([refresh.conversation(), refresh.list()]);
      },
    }),
    remove: useMutation({
      mutationFn: () => api(`/api/v1/conversations/${conversationId}`, { method: "DELETE" }),
      onSuccess: refresh.list,
    }),
  };
}

/**
 * The writes of an open conversation: send (or edit and resend), regenerate, switch versions,
 * stop, plus its edits. Each refreshes what it changed; the answer itself arrives on the event stream.
 */
export function useChatActions(conversationId: string) {
  const queryClient = useQueryClient();
  const refresh = refresher(queryClient, conversationId);
  return {
    ...useConversationEdits(conversationId),
    send: useMutation({
      mutationFn: (input: { content: string; editOf?: string; attachments?: string[] }) =>
        api<SendMessageResponse>(`/api/v1/conversations/${conversationId}/messages`, {
          method: "POST",
          body: input,
        }),
      onSuccess: async (sent, input) => {
        showAtOnce(queryClient, conversationId, input.editOf, [sent.userMessage, sent.assistantMessage]);
        await Promise.all([refresh.conversation(), refresh.list()]);
      },
    }),
    regenerate: useMutation({
      mutationFn: (messageId: string) =>
        api<RegenerateResponse>(`/api/v1/messages/${messageId}/regenerate`, { method: "POST", body: {} }),
      onSuccess: async (regenerated, messageId) => {
        showAtOnce(queryClient, conversationId, messageId, [regenerated.assistantMessage]);
        await refresh.conversation();
      },
    }),
    /** Shows another version of a message (and the path under it); the answer is the new view. */
    selectVersion: useMutation({
      mutationFn: (messageId: string) =>
        api<ConversationWithMessages>(
          `/api/v1/conversations/${conversationId}/messages/${messageId}/select`,
          { method: "POST" },
        ),
      onSuccess: (view) => {
        queryClient.setQueryData<ConversationWithMessages>(["conversation", conversationId], view);
      },
    }),
    stop: useMutation({
      mutationFn: (messageId: string) => api(`/api/v1/messages/${messageId}/cancel`, { method: "POST" }),
    }),
  };
}
