import type { KnowledgeBase } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { placesToCreate } from "./knowledge-access.ts";

/**
 * Creates a knowledge base (name, description, where: personal or one of your teams), or renames
 * and describes `base`. Calls `onSaved` with what the server kept.
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
  const save = useMutation({
    mutationFn: () =>
      base
        ? api<KnowledgeBase>(`/api/v1/knowledge-bases/${base.id}`, {
            method: "PATCH",
            body: { name, description },
          })
        : api<KnowledgeBase>("/api/v1/knowledge-bases", {
            method: "POST",
            body: { name, description, ...(teamId ? { teamId } : {}) },
          }),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["knowledge-bases"] });
      setOpen(false);
      onSaved?.(saved);
    },
  });
  const title = base ? `Rename or describe ${base.name}` : "New knowledge base";
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (next) {
          setName(base?.name ?? "");
          setDescription(base?.description ?? "");
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
