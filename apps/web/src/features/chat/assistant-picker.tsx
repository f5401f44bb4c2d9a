import type { Assistant, Page } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { NavLink } from "react-router";
import { api } from "../../api.ts";

/** On the new-chat screen: pick one of the assistants you can use to hold the chat with. */
export function AssistantPicker({ onPick }: { onPick: (assistantId: string) => void }) {
  const assistants = useQuery({
    queryKey: ["assistants"],
    queryFn: () => api<Page<Assistant>>("/api/v1/assistants?limit=200"),
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
              title={a.description || a.name}
              onClick={() => {
                onPick(a.id);
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
    </section>
  );
}
