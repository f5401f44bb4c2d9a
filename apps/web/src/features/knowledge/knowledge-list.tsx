import type { KnowledgeBase } from "@parley/contracts";
import { NavLink, useNavigate } from "react-router";
import { Icon } from "../../components/ui/icons.tsx";
import { useMe } from "../auth/use-me.ts";
import { KnowledgeBaseDialog } from "./knowledge-base-dialog.tsx";
import { placesToCreate } from "./knowledge-access.ts";
import { WhereBadge } from "./where-badge.tsx";

/** The "New knowledge base" button and its dialog, for those who may create one somewhere. */
export function NewKnowledgeBaseButton({ className = "primary" }: { className?: string }) {
  const navigate = useNavigate();
  const places = placesToCreate(useMe().data);
  if (!places.personal && places.teams.length === 0) return null;
  return (
    <KnowledgeBaseDialog
      base={null}
      trigger={
        <button type="button" className={className}>
          <Icon name="plus" /> New knowledge base
        </button>
      }
      onSaved={(saved) => void navigate(`/knowledge/${saved.id}`)}
    />
  );
}

/** Every knowledge base you can read: what it holds, whose it is, how many documents. */
export function KnowledgeList({ items, loading }: { items: KnowledgeBase[]; loading: boolean }) {
  return (
    <section className="panel knowledge-list" aria-labelledby="knowledge-title">
      <div className="row section-head">
        <h1 id="knowledge-title">Knowledge</h1>
        {items.length > 0 && <NewKnowledgeBaseButton />}
      </div>
      {loading && <p className="muted">Loading…</p>}
      {!loading && items.length === 0 ? (
        <div className="knowledge-empty">
          <p>
            A <strong>knowledge base</strong> is a set of your team’s documents (runbooks, manuals, notes,
            exports) that Parley reads, cuts into passages and indexes. Assistants that use it answer from
            those passages and cite them, so answers can be checked.
          </p>
          <p className="muted">No knowledge bases yet.</p>
          <NewKnowledgeBaseButton />
        </div>
      ) : (
        <ul className="knowledge-cards">
          {items.map((kb) => (
            <li key={kb.id} className="knowledge-card">
              <NavLink to={`/knowledge/${kb.id}`}>
                <strong>{kb.name}</strong>
              </NavLink>
              <p className="muted small-text">{kb.description || "No description."}</p>
              <p className="small-text knowledge-facts">
                <WhereBadge base={kb} />
                <span>
                  {kb.documentCount} {kb.documentCount === 1 ? "document" : "documents"}
                </span>
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
