import type { Assistant, ItemList, Model, Page } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { NavLink, useParams } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { AssistantEditor } from "./assistant-editor.tsx";
import { StartChatButton } from "./start-chat-button.tsx";

/** Assistants: the ones you can use on the left, the one you open (or a new one) on the right. */
export function AssistantsPage() {
  const { id } = useParams();
  const me = useMe().data;
  const list = useQuery({
    queryKey: ["assistants"],
    queryFn: () => api<Page<Assistant>>("/api/v1/assistants?limit=200"),
  });
  const models = useQuery({ queryKey: ["models"], queryFn: () => api<ItemList<Model>>("/api/v1/models") });
  const mayWrite = me?.permissions.includes("assistants:write") ?? false;
  const open = id && id !== "new" ? list.data?.items.find((a) => a.id === id) : undefined;
  return (
    <div className="admin">
      <nav aria-label="Assistants" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Assistants
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        {(mayWrite || (me?.teams.length ?? 0) > 0) && (
          <NavLink to="/assistants/new">
            <Icon name="plus" /> New assistant
          </NavLink>
        )}
        {list.isPending && <p className="muted small-text">Loading…</p>}
        {list.data?.items.map((a) => (
          <NavLink key={a.id} to={`/assistants/${a.id}`} title={a.description || a.name}>
            <span aria-hidden="true">{a.icon ?? "🤖"}</span> {a.name}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">
        {list.isError && <Alert>{errorText(list.error)}</Alert>}
        {id === "new" ? (
          <AssistantEditor key="new" assistant={null} models={models.data?.items ?? []} />
        ) : open ? (
          <AssistantEditor key={open.id} assistant={open} models={models.data?.items ?? []} />
        ) : id && list.isSuccess ? (
          <section className="panel">
            <h1>Assistant not found</h1>
            <p className="muted">It was deleted, or it is not shared with you.</p>
          </section>
        ) : (
          <AssistantGallery items={list.data?.items ?? []} loading={list.isPending} />
        )}
      </main>
    </div>
  );
}

/** Every assistant as a card: what it does, and a button that starts a chat with it. */
function AssistantGallery({ items, loading }: { items: Assistant[]; loading: boolean }) {
  return (
    <section className="panel" aria-labelledby="assistants-title">
      <h1 id="assistants-title">Assistants</h1>
      <p className="muted">
        An assistant answers with its own instructions, model and settings, in the chat and on the
        OpenAI-compatible API as <code>assistant/&lt;slug&gt;</code>.
      </p>
      {!loading && items.length === 0 && (
        <p className="muted">No assistants yet. Create one to give your team a specialist.</p>
      )}
      <ul className="assistant-cards">
        {items.map((a) => (
          <li key={a.id} className="assistant-card">
            <NavLink to={`/assistants/${a.id}`}>
              <span className="assistant-icon" aria-hidden="true">
                {a.icon ?? "🤖"}
              </span>
              <strong>{a.name}</strong>
            </NavLink>
            <p className="muted small-text">{a.description || "No description."}</p>
            <StartChatButton assistant={a} />
          </li>
        ))}
      </ul>
    </section>
  );
}
