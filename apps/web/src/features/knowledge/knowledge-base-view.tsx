import type { KnowledgeBase } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { DocumentsSection } from "./documents-section.tsx";
import { mayManage as mayManageBase } from "./knowledge-access.ts";
import { KnowledgeBaseDialog } from "./knowledge-base-dialog.tsx";
import { SearchPanel } from "./search-panel.tsx";
import { WhereBadge } from "./where-badge.tsx";

/** Edit the base (name, description, embedding model), and delete it (after asking). */
function BaseActions({ base }: { base: KnowledgeBase }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => api(`/api/v1/knowledge-bases/${base.id}`, { method: "DELETE" }),
    onSuccess: async () => {
      await navigate("/knowledge");
      queryClient.removeQueries({ queryKey: ["knowledge-bases", base.id] });
      await queryClient.invalidateQueries({ queryKey: ["knowledge-bases"] });
    },
  });
  return (
    <div className="button-row">
      <KnowledgeBaseDialog
        base={base}
        trigger={
          <button type="button" className="ghost">
            Edit
          </button>
        }
      />
      <button
        type="button"
        className="ghost danger"
        disabled={remove.isPending}
        onClick={() => {
          setConfirming(true);
        }}
      >
        Delete
      </button>
      <Alert>{remove.error ? errorText(remove.error) : null}</Alert>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete ${base.name}?`}
        description={`Its ${base.documentCount} ${base.documentCount === 1 ? "document goes" : "documents go"} with it, passages and files included. Assistants using it answer without it. This cannot be undone.`}
        confirmLabel="Delete knowledge base"
        onConfirm={() => {
          remove.mutate();
        }}
      />
    </div>
  );
}

/** How the base can be searched, from its embedding model and the vectors searches use now. */
function searchModes(base: KnowledgeBase): string {
  if (!base.embeddingModel) return "Keyword search (no embedding model)";
  const active = base.activeEmbeddingModel ?? null;
  if (active === base.embeddingModel) return `Keyword and vector search (${base.embeddingModel})`;
  return active
    ? `Re-embedding with ${base.embeddingModel}; vector search uses ${active} meanwhile`
    : `Embedding with ${base.embeddingModel}; keyword search meanwhile`;
}

/** One knowledge base: what it is, its documents with their ingestion, and a search to try it. */
export function KnowledgeBaseView({ base }: { base: KnowledgeBase }) {
  const manages = mayManageBase(useMe().data, base);
  return (
    <div className="knowledge-base">
      <section className="panel" aria-labelledby="base-title">
        <h1 id="base-title">{base.name}</h1>
        <p className="small-text knowledge-facts">
          <WhereBadge base={base} />
          <span>
            {base.documentCount} {base.documentCount === 1 ? "document" : "documents"}
          </span>
          <span>{searchModes(base)}</span>
        </p>
        {base.description && <p className="muted">{base.description}</p>}
        {manages && <BaseActions base={base} />}
      </section>
      <DocumentsSection base={base} mayManage={manages} />
      <SearchPanel base={base} />
    </div>
  );
}
