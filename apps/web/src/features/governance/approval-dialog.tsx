import * as Dialog from "@radix-ui/react-dialog";
import type { GovernanceApproval } from "@parley/contracts";
import { useState } from "react";
import { Alert } from "../../components/ui/alert.tsx";

/**
 * Asks for the reason of a decision on a held call: optional to approve, required to deny (as
 * the API wants it); `onDecide` gets the trimmed reason.
 */
export function ApprovalDialog({
  approval,
  verdict,
  pending,
  error,
  onOpenChange,
  onDecide,
}: {
  approval: GovernanceApproval;
  verdict: "approve" | "deny" | null;
  pending: boolean;
  /** Why the last attempt failed, said in the dialog. */
  error: string | null;
  onOpenChange: (open: boolean) => void;
  onDecide: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const deny = verdict === "deny";
  const missing = deny && !reason.trim();
  return (
    <Dialog.Root
      open={verdict !== null}
      onOpenChange={(open) => {
        if (open) setReason("");
        onOpenChange(open);
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog">
          <Dialog.Title>{deny ? "Deny this call?" : "Approve this call?"}</Dialog.Title>
          <Dialog.Description className="muted">
            {deny
              ? `The call held by “${approval.ruleName}” fails, and its asker sees your reason.`
              : `The call held by “${approval.ruleName}” goes on to ${approval.model}.`}
          </Dialog.Description>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              if (!missing) onDecide(reason.trim());
            }}
          >
            <label>
              {deny ? "Reason (required)" : "Reason (optional)"}
              <textarea
                rows={3}
                maxLength={1000}
                value={reason}
                required={deny}
                onChange={(e) => {
                  setReason(e.target.value);
                }}
              />
            </label>
            <Alert>{error}</Alert>
            <div className="dialog-actions">
              <Dialog.Close asChild>
                <button type="button">Cancel</button>
              </Dialog.Close>
              <button type="submit" className={deny ? "danger" : "primary"} disabled={missing || pending}>
                {pending ? "Saving…" : deny ? "Deny" : "Approve"}
              </button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
