import type { KnowledgeBase, Page } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { NavLink, useParams } from "react-router";
import { api, ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { KnowledgeBaseView } from "./knowledge-base-view.tsx";
import { KnowledgeList } from "./knowledge-list.tsx";

/** Knowledge: the bases you can read on the left; all of them, or the one you open, on the right. */
export function KnowledgePage() {
  const { id } = useParams();
  const list = useQuery({
    queryKey: ["knowledge-bases"],
    queryFn: () => api<Page<KnowledgeBase>>("/api/v1/knowledge-bases?limit=200"),
  });
  const open = useQuery({
    queryKey: ["knowledge-bases", id],
    queryFn: () => api<KnowledgeBase>(`/api/v1/knowledge-bases/${id ?? ""}`),
    enabled: id !== undefined,
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 1,
  });
  return (
    <div className="admin">
      <nav aria-label="Knowledge bases" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Knowledge
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        <NavLink to="/knowledge" end>
          All knowledge bases
        </NavLink>
        {list.data?.items.map((kb) => (
          <NavLink key={kb.id} to={`/knowledge/${kb.id}`} title={kb.description || kb.name}>
            {kb.name}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">
        {id === undefined ? (
          <>
            {list.isError && <Alert>{errorText(list.error)}</Alert>}
            <KnowledgeList items={list.data?.items ?? []} loading={list.isPending} />
          </>
        ) : open.data ? (
          <KnowledgeBaseView key={open.data.id} base={open.data} />
        ) : open.isError ? (
          <section className="panel">
            <h1>Knowledge base not found</h1>
            <p className="muted">{errorText(open.error)}</p>
          </section>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    </div>
  );
}
