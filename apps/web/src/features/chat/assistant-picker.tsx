import type { Assistant, Conversation, Page } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { NavLink, useNavigate } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/** On the empty chat screen: start a chat held with one of the assistants you can use. */
export function AssistantPicker() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const assistants = useQuery({
    queryKey: ["assistants"],
    queryFn: () => api<Page<Assistant>>("/api/v1/assistants?limit=200"),
  });
  const start = useMutation({
    mutationFn: (assistantId: string) =>
      api<Conversation>("/api/v1/conversations", { method: "POST", body: { assistantId } }),
    onSuccess: async (conversation) => {
      await queryClient.invalidateQueries({ queryKey: ["conversations"] });
      await navigate(`/c/${conversation.id}`);
    },
  });
  const items = assistants.data?.items.slice(0, 6) ?? [];
  if (items.length === 0) return null;
  return (
    <section className="assistant-picker" aria-labelledby="picker-title">
      <h2 id="picker-title" className="group-title">
        Or start with an assistant
      </h2>
      <ul>
        {items.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              className="ghost"
              disabled={start.isPending}
              title={a.description || a.name}
              onClick={() => {
                start.mutate(a.id);
              }}
            >
              <span aria-hidden="true">{a.icon ?? "🤖"}</span> {a.name}
            </button>
          </li>
        ))}
      </ul>
      <NavLink to="/assistants" className="small-text">
        All assistants
      </NavLink>
      <Alert>{start.error ? errorText(start.error) : null}</Alert>
    </section>
  );
}
