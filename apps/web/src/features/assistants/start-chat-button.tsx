import type { Assistant, Conversation } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/** Starts a conversation held with `assistant` and opens it. */
export function StartChatButton({
  assistant,
  label = "Start a chat",
}: {
  assistant: Assistant;
  label?: string;
}) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const start = useMutation({
    mutationFn: () =>
      api<Conversation>("/api/v1/conversations", { method: "POST", body: { assistantId: assistant.id } }),
    onSuccess: async (conversation) => {
      await queryClient.invalidateQueries({ queryKey: ["conversations"] });
      await navigate(`/c/${conversation.id}`);
    },
  });
  return (
    <>
      <button
        type="button"
        className="primary small"
        disabled={start.isPending}
        onClick={() => {
          start.mutate();
        }}
      >
        {label}
      </button>
      <Alert>{start.error ? errorText(start.error) : null}</Alert>
    </>
  );
}
