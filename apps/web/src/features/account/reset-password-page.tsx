import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api, ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";

/**
 * `/reset-password#<token>`: sets a new password with the one-time link an administrator made.
 * The token is in the fragment, which browsers never send to the server.
 */
export function ResetPasswordPage() {
  const [token] = useState(() => window.location.hash.slice(1));
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const reset = useMutation({
    mutationFn: () =>
      api("/api/v1/auth/password-reset", { method: "POST", body: { token, newPassword: password } }),
  });
  const mismatch = repeat !== "" && repeat !== password;
  return (
    <main className="login">
      <div className="card login-card">
        <span className="logo big" aria-hidden="true">
          P
        </span>
        <h1>Set a new password</h1>
        {reset.isSuccess ? (
          <>
            <p role="status">Your password is set. Every session of your account was signed out.</p>
            <Link to="/login" className="button primary">
              Sign in
            </Link>
          </>
        ) : token.length < 10 ? (
          <p role="alert" className="error">
            This page needs the whole link an administrator gave you. Ask them for a new one.
          </p>
        ) : (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (!mismatch) reset.mutate();
            }}
          >
            <label>
              New password
              <input
                type="password"
                autoComplete="new-password"
                required
                minLength={12}
                aria-describedby="reset-password-hint"
                value={password}
                onChange={(e) => {
                  setPassword(e.target.value);
                }}
              />
            </label>
            <p id="reset-password-hint" className="muted">
              At least 12 characters; a few unrelated words make a strong one. The link works once.
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
            <Alert>{mismatch ? "The two passwords differ." : undefined}</Alert>
            <button type="submit" className="primary" disabled={reset.isPending || mismatch}>
              Set password
            </button>
            <Alert>
              {reset.error instanceof ApiError && reset.error.code === "password_reset.invalid"
                ? "This link was used already, replaced by a newer one, or has expired. Ask an administrator for a new one."
                : reset.error
                  ? errorText(reset.error)
                  : undefined}
            </Alert>
          </form>
        )}
      </div>
    </main>
  );
}
