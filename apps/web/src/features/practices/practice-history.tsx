import type { ItemList, Practice, PracticeVersion } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/** A practice's versions, newest first; picking one shows its title and text as saved. */
export function PracticeHistory({ practice, trigger }: { practice: Practice; trigger: ReactNode }) {
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState<number | null>(null);
  const versions = useQuery({
    queryKey: ["practices", practice.teamId, practice.id, "versions", practice.currentVersion],
    queryFn: () => api<ItemList<PracticeVersion>>(`/api/v1/practices/${practice.id}/versions`),
    enabled: open,
  });
  const selected = versions.data?.items.find((v) => v.version === shown) ?? versions.data?.items[0];
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (next) setShown(null);
        setOpen(next);
      }}
    >
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog practice-dialog" aria-describedby={undefined}>
          <Dialog.Title>History of “{practice.title}”</Dialog.Title>
          {versions.isPending && <p className="muted">Loading…</p>}
          <Alert>{versions.error ? errorText(versions.error) : null}</Alert>
          {versions.data && (
            <div className="practice-history">
              <ol aria-label="Versions" reversed>
                {versions.data.items.map((v) => (
                  <li key={v.version}>
                    <button
                      type="button"
                      className="small"
                      aria-current={v.version === selected?.version ? "true" : undefined}
                      onClick={() => {
                        setShown(v.version);
                      }}
                    >
                      Version {v.version}
                      {v.version === practice.currentVersion ? " (current)" : ""}
                    </button>
                    <span className="muted small-text"> {new Date(v.createdAt).toLocaleString()}</span>
                  </li>
                ))}
              </ol>
              {selected && (
                <section aria-label={`Version ${selected.version}`}>
                  <h3>{selected.title}</h3>
                  <pre className="practice-body">{selected.body}</pre>
                </section>
              )}
            </div>
          )}
          <div className="dialog-actions">
            <Dialog.Close asChild>
              <button type="button">Close</button>
            </Dialog.Close>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
