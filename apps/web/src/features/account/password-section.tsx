import type { PasswordChanged } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/** Changing your password: the current one first; your other sessions are signed out. */
export function PasswordSection() {
  const queryClient = useQueryClient();
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [repeat, setRepeat] = useState("");
  const change = useMutation({
    mutationFn: () =>
      api<PasswordChanged>("/api/v1/me/password", { method: "POST", body: { currentPassword, newPassword } }),
    onSuccess: async () => {
      setCurrent("");
      setNew("");
      setRepeat("");
      await queryClient.invalidateQueries({ queryKey: ["sessions"] });
    },
  });
  const mismatch = repeat !== "" && repeat !== newPassword;
  return (
    <section aria-labelledby="password-heading" className="card">
      <h2 id="password-heading">Password</h2>
      <form
        className="stack narrow"
        onSubmit={(e) => {
          e.preventDefault();
          if (!mismatch) change.mutate();
        }}
      >
        <label>
          Current password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={currentPassword}
            onChange={(e) => {
              setCurrent(e.target.value);
            }}
          />
        </label>
        <label>
          New password
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            aria-describedby="new-password-hint"
            value={newPassword}
            onChange={(e) => {
              setNew(e.target.value);
            }}
          />
        </label>
        <p id="new-password-hint" className="muted">
          At least 12 characters. Changing it signs you out everywhere else.
        </p>
        <label>
          New password again
          <input
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={mismatch}
            value={repeat}
            onChange={(e) => {
              setRepeat(e.target.value);
            }}
          />
        </label>
        <Alert>{mismatch ? "The two new passwords differ." : undefined}</Alert>
        <button type="submit" className="primary" disabled={change.isPending || mismatch}>
          Change password
        </button>
        {change.data && (
          <p role="status" className="ok">
            Password changed.{" "}
            {change.data.otherSessionsSignedOut === 1
              ? "1 other session was signed out."
              : `${String(change.data.otherSessionsSignedOut)} other sessions were signed out.`}
          </p>
        )}
        <Alert>{change.error ? errorText(change.error) : undefined}</Alert>
      </form>
    </section>
  );
}
