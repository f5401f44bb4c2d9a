import type { ItemList, Practice, Project } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { PracticeEditor } from "./practice-editor.tsx";
import { PracticeHistory } from "./practice-history.tsx";

/**
 * One practice: its title, version, text, and (for those who manage the team's practices) the
 * buttons that move it, switch it on or off, edit it, and delete it after a confirmation.
 */
export function PracticeCard({
  practice,
  index,
  count,
  manage,
  projects,
}: {
  practice: Practice;
  index: number;
  count: number;
  manage: boolean;
  projects: readonly Pick<Project, "id" | "name">[];
}) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["practices", practice.teamId] });
  const change = useMutation({
    mutationFn: (
      action: { move: "up" | "down" } | { enabled: boolean } | { delete: true },
    ): Promise<unknown> =>
      "move" in action
        ? api<ItemList<Practice>>(`/api/v1/practices/${practice.id}/move`, {
            method: "POST",
            body: { direction: action.move },
          })
        : "enabled" in action
          ? api<Practice>(`/api/v1/practices/${practice.id}`, {
              method: "PATCH",
              body: { enabled: action.enabled },
            })
          : api<undefined>(`/api/v1/practices/${practice.id}`, { method: "DELETE" }),
    onSettled: refresh,
  });
  const titleId = `practice-${practice.id}-title`;
  // While a switch is saved (and the list reloads), the box shows what was asked for.
  const pending = change.isPending ? change.variables : undefined;
  // Set in the change handler itself: a controlled box would otherwise snap back for a moment,
  // until the mutation's pending state arrives (it is delivered on a later tick).
  const [asked, setAsked] = useState<boolean | null>(null);
  const enabled = asked ?? (pending && "enabled" in pending ? pending.enabled : practice.enabled);
  return (
    <li className={`practice-card${practice.enabled ? "" : " practice-off"}`} aria-labelledby={titleId}>
      <div className="row section-head">
        <h3 id={titleId}>
          <span className="muted">{index + 1}.</span> {practice.title}
        </h3>
        <span className="small-text muted">
          v{practice.currentVersion}
          {practice.enabled ? "" : " · off"}
        </span>
      </div>
      <pre className="practice-body">{practice.body}</pre>
      <div className="button-row">
        {manage && (
          <>
            <button
              type="button"
              className="small"
              aria-label={`Move “${practice.title}” up`}
              disabled={index === 0 || change.isPending}
              onClick={() => {
                change.mutate({ move: "up" });
              }}
            >
              ↑ Up
            </button>
            <button
              type="button"
              className="small"
              aria-label={`Move “${practice.title}” down`}
              disabled={index === count - 1 || change.isPending}
              onClick={() => {
                change.mutate({ move: "down" });
              }}
            >
              ↓ Down
            </button>
            <label className="small-text practice-toggle">
              <input
                type="checkbox"
                checked={enabled}
                disabled={change.isPending}
                onChange={(e) => {
                  setAsked(e.target.checked);
                  change.mutate(
                    { enabled: e.target.checked },
                    {
                      onSettled: () => {
                        setAsked(null);
                      },
                    },
                  );
                }}
              />
              Enabled
            </label>
            <PracticeEditor
              teamId={practice.teamId}
              practice={practice}
              projects={projects}
              trigger={
                <button type="button" className="small" aria-label={`Edit “${practice.title}”`}>
                  Edit
                </button>
              }
            />
          </>
        )}
        <PracticeHistory
          practice={practice}
          trigger={
            <button type="button" className="small" aria-label={`History of “${practice.title}”`}>
              History
            </button>
          }
        />
        {manage && (
          <button
            type="button"
            className="small ghost danger"
            aria-label={`Delete “${practice.title}”`}
            onClick={() => {
              setConfirming(true);
            }}
          >
            Delete
          </button>
        )}
      </div>
      <Alert>{change.error ? errorText(change.error) : null}</Alert>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Delete “${practice.title}”?`}
        description="AI calls stop getting it at once, and its versions are deleted with it. This cannot be undone."
        confirmLabel="Delete practice"
        onConfirm={() => {
          change.mutate({ delete: true });
        }}
      />
    </li>
  );
}
