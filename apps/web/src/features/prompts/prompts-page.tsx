import { NavLink, useParams } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { LabelRequests } from "./label-requests.tsx";
import { PromptList } from "./prompt-list.tsx";
import { PromptView } from "./prompt-view.tsx";
import { usePrompt, usePromptList, useRequests } from "./use-prompts.ts";

/**
 * Prompt templates and personas (`/governance/prompts`): your teams' prompts on the left; all of
 * them with the pending label approvals, or the one you open, on the right.
 */
export function PromptsPage() {
  const { id } = useParams();
  const list = usePromptList();
  const open = usePrompt(id);
  const requests = useRequests();
  return (
    <div className="admin">
      <nav aria-label="Prompts" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Prompts
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        <NavLink to="/governance/prompts" end>
          All prompts
          {requests.data?.items.length ? ` (${requests.data.items.length} pending)` : ""}
        </NavLink>
        {list.data?.items.map((p) => (
          <NavLink key={p.id} to={`/governance/prompts/${p.id}`} title={p.description || p.name}>
            {p.name}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">
        {id === undefined ? (
          <>
            {list.isError && <Alert>{errorText(list.error)}</Alert>}
            <PromptList items={list.data?.items ?? []} loading={list.isPending} />
            <LabelRequests prompts={list.data?.items ?? []} />
          </>
        ) : open.data ? (
          <PromptView key={open.data.id} prompt={open.data} />
        ) : open.isError ? (
          <section className="panel">
            <h1>Prompt not found</h1>
            <p className="muted">{errorText(open.error)}</p>
          </section>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    </div>
  );
}
