import type { DraftGuideResponse } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { DraftPreview } from "./draft-preview.tsx";
import { createFromDraft, draftGuide, guideKeys } from "./guides-api.ts";

/**
 * "Draft with AI": a description (and a code snippet, if the work is about one) goes to the
 * model, which answers with sections of tasks, each estimated; the person reviews the estimates and
 * totals, then creates the guide or drafts again.
 */
export function DraftDialog({ teamId }: { teamId: string }) {
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState("");
  const [code, setCode] = useState("");
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const draft = useMutation({
    mutationFn: () =>
      draftGuide({ teamId, description: description.trim(), ...(code.trim() ? { code } : {}) }),
  });
  const create = useMutation({
    mutationFn: (drafted: DraftGuideResponse) => createFromDraft(teamId, drafted),
    onSuccess: async (guide) => {
      queryClient.setQueryData(guideKeys.one(guide.id), guide);
      await queryClient.invalidateQueries({ queryKey: guideKeys.lists(teamId) });
      setOpen(false);
      await navigate(`/guides/${guide.id}`);
    },
  });
  const drafted = draft.data;
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        // Closing while the model works would lose its answer: the dialog stays until it ends.
        if (!next && (draft.isPending || create.isPending)) return;
        setOpen(next);
        if (next) {
          draft.reset();
          create.reset();
        }
      }}
    >
      <Dialog.Trigger asChild>
        <button type="button">Draft with AI</button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog wide-dialog draft-dialog" aria-describedby={undefined}>
          <Dialog.Title>Draft a guide with AI</Dialog.Title>
          {drafted ? (
            <>
              <DraftPreview drafted={drafted} />
              <Alert>{create.error ? errorText(create.error) : null}</Alert>
              <div className="dialog-actions">
                <button
                  type="button"
                  disabled={create.isPending}
                  onClick={() => {
                    draft.reset();
                  }}
                >
                  Change the description
                </button>
                <button
                  type="button"
                  className="primary"
                  disabled={create.isPending}
                  onClick={() => {
                    create.mutate(drafted);
                  }}
                >
                  {create.isPending ? "Creating…" : "Create guide"}
                </button>
              </div>
            </>
          ) : (
            <form
              className="stack"
              aria-label="Draft"
              aria-busy={draft.isPending}
              onSubmit={(e) => {
                e.preventDefault();
                if (description.trim()) draft.mutate();
              }}
            >
              <label>
                What is the work?
                <textarea
                  rows={4}
                  required
                  maxLength={8000}
                  value={description}
                  disabled={draft.isPending}
                  placeholder="Accountants want to download invoices as CSV from the billing page."
                  onChange={(e) => {
                    setDescription(e.target.value);
                  }}
                />
              </label>
              <details open={code !== "" ? true : undefined}>
                <summary>Add the code it is about (optional)</summary>
                <label className="stack-label">
                  Code
                  <textarea
                    rows={6}
                    className="code-input"
                    maxLength={40_000}
                    value={code}
                    disabled={draft.isPending}
                    onChange={(e) => {
                      setCode(e.target.value);
                    }}
                  />
                </label>
              </details>
              {draft.isPending && (
                <div className="draft-progress" role="status">
                  <progress aria-label="Drafting the guide" />
                  <span className="muted small-text">
                    The model is drafting sections and estimating each task…
                  </span>
                </div>
              )}
              <Alert>{draft.error ? errorText(draft.error) : null}</Alert>
              <div className="dialog-actions">
                <Dialog.Close asChild>
                  <button type="button" disabled={draft.isPending}>
                    Cancel
                  </button>
                </Dialog.Close>
                <button type="submit" className="primary" disabled={draft.isPending || !description.trim()}>
                  {draft.isPending ? "Drafting…" : "Draft"}
                </button>
              </div>
            </form>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
