import type { PasswordResetLink, User } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";

/**
 * What deleting an account takes with it, as the foreign keys decide; kept in step with the
 * migrations by hand.
 */
export const USER_DELETION_TEXT =
  "Deleted with the account: its sessions, API keys, team memberships, sign-in links, its conversations with their messages (team conversations it started too), the assistants and knowledge bases it owns (team-shared ones too), and its answer ratings. What it wrote in teams (projects, guides, practices, prompts, governance rules) stays, without an author. The audit log keeps its entries. Uploaded files stay in the server's blob folder. Disabling instead keeps everything.";

/** Disable or enable, make a password reset link, delete: for administrators, never on themselves. */
export function UserActions({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState<"disable" | "delete" | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["users"] });
  const status = useMutation({
    mutationFn: (next: "active" | "disabled") =>
      api(`/api/v1/users/${user.id}`, { method: "PATCH", body: { status: next } }),
    onSuccess: refresh,
  });
  const reset = useMutation({
    mutationFn: () => api<PasswordResetLink>(`/api/v1/users/${user.id}/password-reset`, { method: "POST" }),
  });
  const remove = useMutation({
    mutationFn: () => api(`/api/v1/users/${user.id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  const error = status.error ?? reset.error ?? remove.error;
  return (
    <div className="row wrap">
      {user.status === "active" ? (
        <button
          type="button"
          onClick={() => {
            setConfirm("disable");
          }}
        >
          Disable
        </button>
      ) : (
        <button
          type="button"
          onClick={() => {
            status.mutate("active");
          }}
        >
          Enable
        </button>
      )}
      {user.hasPassword && (
        <button
          type="button"
          aria-label={`Reset the password of ${user.email}`}
          disabled={reset.isPending}
          onClick={() => {
            reset.mutate();
          }}
        >
          Reset password
        </button>
      )}
      <button
        type="button"
        className="danger"
        aria-label={`Delete ${user.email}`}
        onClick={() => {
          setConfirm("delete");
        }}
      >
        Delete
      </button>
      {error && (
        <span role="alert" className="error">
          {errorText(error)}
        </span>
      )}
      <ConfirmDialog
        open={confirm === "disable"}
        onOpenChange={(open) => {
          if (!open) setConfirm(null);
        }}
        title={`Disable ${user.email}?`}
        description="They are signed out everywhere and cannot sign in; their API keys stop working. Their conversations, assistants, knowledge and memberships are kept, and enabling the account gives everything back."
        confirmLabel="Disable account"
        onConfirm={() => {
          status.mutate("disabled");
        }}
      />
      <ConfirmDialog
        open={confirm === "delete"}
        onOpenChange={(open) => {
          if (!open) setConfirm(null);
        }}
        title={`Delete ${user.email} for good?`}
        description={USER_DELETION_TEXT}
        confirmLabel="Delete account"
        onConfirm={() => {
          remove.mutate();
        }}
      />
      <ResetLinkDialog
        email={user.email}
        link={reset.data ?? null}
        onClose={() => {
          reset.reset();
        }}
      />
    </div>
  );
}

function ResetLinkDialog({
  email,
  link,
  onClose,
}: {
  email: string;
  link: PasswordResetLink | null;
  onClose: () => void;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <Dialog.Root
      open={link !== null}
      onOpenChange={(open) => {
        if (!open) {
          setCopied(false);
          onClose();
        }
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog">
          <Dialog.Title>Password reset link for {email}</Dialog.Title>
          <Dialog.Description className="muted">
            Pass this link on to them yourself (this server sends no mail). It works once, until{" "}
            {link ? new Date(link.expiresAt).toLocaleString() : ""}; making another one retires it. Using it
            signs them out everywhere.
          </Dialog.Description>
          <input aria-label="Reset link" readOnly value={link?.url ?? ""} className="secret" />
          <div className="dialog-actions">
            <button
              type="button"
              onClick={() => {
                if (link)
                  void navigator.clipboard.writeText(link.url).then(() => {
                    setCopied(true);
                  });
              }}
            >
              {copied ? "Copied" : "Copy link"}
            </button>
            <Dialog.Close asChild>
              <button type="button" className="primary">
                Done
              </button>
            </Dialog.Close>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
