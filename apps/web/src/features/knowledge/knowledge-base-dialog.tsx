import type { ItemList, KnowledgeBase, Model } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { placesToCreate } from "./knowledge-access.ts";

/** The request body: a changed embedding model only (a change re-embeds every passage). */
function bodyOf(
  base: KnowledgeBase | null,
  fields: { name: string; description: string; teamId: string; embeddingModel: string },
): Record<string, unknown> {
  const model = fields.embeddingModel.trim() || null;
  const body: Record<string, unknown> = { name: fields.name, description: fields.description };
  if (!base) {
    if (fields.teamId) body.teamId = fields.teamId;
    if (model) body.embeddingModel = model;
  } else if (model !== base.embeddingModel) body.embeddingModel = model;
  return body;
}

/**
 * Creates a knowledge base (name, description, where: personal or one of your teams, and an
 * optional embedding model for vector search), or edits `base`. Calls `onSaved` with what the
 * server kept.
 */
export function KnowledgeBaseDialog({
  base,
  trigger,
  onSaved,
}: {
  base: KnowledgeBase | null;
  trigger: ReactNode;
  onSaved?: (saved: KnowledgeBase) => void;
}) {
  const me = useMe().data;
  const places = placesToCreate(me);
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [teamId, setTeamId] = useState("");
  const [embeddingModel, setEmbeddingModel] = useState("");
  const models = useQuery({
    queryKey: ["models"],
    queryFn: () => api<ItemList<Model>>("/api/v1/models"),
    enabled: open,
  });
  const save = useMutation({
    mutationFn: () => {
      const body = bodyOf(base, { name, description, teamId, embeddingModel });
      return base
        ? api<KnowledgeBase>(`/api/v1/knowledge-bases/${base.id}`, { method: "PATCH", body })
        : api<KnowledgeBase>("/api/v1/knowledge-bases", { method: "POST", body });
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["knowledge-bases"] });
      setOpen(false);
      onSaved?.(saved);
    },
  });
  const title = base ? `Edit ${base.name}` : "New knowledge base";
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (next) {
          setName(base?.name ?? "");
          setDescription(base?.description ?? "");
          setEmbeddingModel(base?.embeddingModel ?? "");
          setTeamId(places.personal ? "" : (places.teams[0]?.id ?? ""));
          save.reset();
        }
        setOpen(next);
      }}
    >
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog" aria-describedby={undefined}>
          <Dialog.Title>{title}</Dialog.Title>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              if (name.trim()) save.mutate();
            }}
          >
            <label>
              Name
              <input
                required
                maxLength={120}
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                }}
              />
            </label>
            <label>
              Description
              <textarea
                rows={3}
                maxLength={1000}
                placeholder="What is in it, and when an assistant should use it"
                value={description}
                onChange={(e) => {
                  setDescription(e.target.value);
                }}
              />
            </label>
            {!base && (
              <label>
                Where
                <select
                  value={teamId}
                  onChange={(e) => {
                    setTeamId(e.target.value);
                  }}
                >
                  {places.personal && <option value="">Just me (personal)</option>}
                  {places.teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      Team {t.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label>
              Embedding model (optional)
              <input
                list="embedding-models"
                maxLength={200}
                placeholder="none: keyword search only"
                aria-describedby="embedding-model-hint"
                value={embeddingModel}
                onChange={(e) => {
                  setEmbeddingModel(e.target.value);
                }}
              />
              <datalist id="embedding-models">
                {models.data?.items.map((m) => (
                  <option key={m.id} value={m.id} />
                ))}
              </datalist>
            </label>
            <p className="muted small-text" id="embedding-model-hint">
              A model that serves embeddings (such as an Ollama <code>nomic-embed-text</code>) lets searches
              match meaning as well as words.{base ? " Changing it embeds every passage again." : ""}
            </p>
            <Alert>{save.error ? errorText(save.error) : null}</Alert>
            <div className="dialog-actions">
              <Dialog.Close asChild>
                <button type="button">Cancel</button>
              </Dialog.Close>
              <button type="submit" className="primary" disabled={save.isPending || !name.trim()}>
                {save.isPending ? "Saving…" : base ? "Save" : "Create"}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
