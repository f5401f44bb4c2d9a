import { MAX_PRACTICE_BODY_CHARS, type Practice, type Project } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/**
 * Creates a practice of `teamId` (team-wide or for one of `projects`), or saves a new version of
 * `practice` from the version it was opened at (a 409 tells the user someone saved meanwhile).
 */
export function PracticeEditor({
  teamId,
  practice,
  projects,
  trigger,
}: {
  teamId: string;
  practice: Practice | null;
  projects: readonly Pick<Project, "id" | "name">[];
  trigger: ReactNode;
}) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [projectId, setProjectId] = useState("");
  const [fromVersion, setFromVersion] = useState(1);
  const save = useMutation({
    mutationFn: () =>
      practice
        ? api<Practice>(`/api/v1/practices/${practice.id}`, {
            method: "PUT",
            body: { expectedVersion: fromVersion, title, body },
          })
        : api<Practice>("/api/v1/practices", {
            method: "POST",
            body: { teamId, title, body, ...(projectId ? { projectId } : {}) },
          }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["practices", teamId] });
      setOpen(false);
    },
  });
  const ready = title.trim() !== "" && body.trim() !== "";
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (next) {
          setTitle(practice?.title ?? "");
          setBody(practice?.body ?? "");
          setProjectId(practice?.projectId ?? "");
          setFromVersion(practice?.currentVersion ?? 1);
          save.reset();
        }
        setOpen(next);
      }}
    >
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog practice-dialog" aria-describedby="practice-editor-hint">
          <Dialog.Title>{practice ? `Edit “${practice.title}”` : "New practice"}</Dialog.Title>
          <p className="muted small-text" id="practice-editor-hint">
            {practice
              ? `Saving makes version ${fromVersion + 1}; earlier versions stay in the history.`
              : "Every AI call of the team (or of the project) gets it in its system context."}
          </p>
          <form
            className="stack-form"
            onSubmit={(event) => {
              event.preventDefault();
              if (ready) save.mutate();
            }}
          >
            <label>
              Title
              <input
                required
                maxLength={200}
                value={title}
                onChange={(e) => {
                  setTitle(e.target.value);
                }}
              />
            </label>
            {!practice && (
              <label>
                Applies to
                <select
                  value={projectId}
                  onChange={(e) => {
                    setProjectId(e.target.value);
                  }}
                >
                  <option value="">The whole team</option>
                  {projects.map((p) => (
                    <option key={p.id} value={p.id}>
                      Project {p.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label>
              Practice (markdown)
              <textarea
                required
                rows={12}
                maxLength={MAX_PRACTICE_BODY_CHARS}
                placeholder={"Every fix comes with a regression test.\n\n- Name the test after the bug."}
                value={body}
                onChange={(e) => {
                  setBody(e.target.value);
                }}
              />
            </label>
            <p className="muted small-text">
              {body.length.toLocaleString()} of {MAX_PRACTICE_BODY_CHARS.toLocaleString()} characters
            </p>
            <Alert>{save.error ? errorText(save.error) : null}</Alert>
            <div className="dialog-actions">
              <Dialog.Close asChild>
                <button type="button">Cancel</button>
              </Dialog.Close>
              <button type="submit" className="primary" disabled={save.isPending || !ready}>
                {save.isPending ? "Saving…" : practice ? "Save new version" : "Add practice"}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
