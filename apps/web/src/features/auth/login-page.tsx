import type { SsoProviderList } from "@parley/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api, ApiError } from "../../api.ts";
import { nextPath } from "./next-path.ts";

/** Email and password sign-in. */
export function LoginPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const ssoError = params.get("error");
  const sso = useQuery({
    queryKey: ["sso-providers"],
    queryFn: () => api<SsoProviderList>("/api/v1/auth/providers"),
  });

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("/api/v1/auth/login", { method: "POST", body: { email, password } });
      queryClient.removeQueries({ queryKey: ["me"] });
      await navigate(nextPath(params.get("next")));
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === "auth.locked"
          ? err.message
          : err instanceof ApiError && err.code === "auth.invalid_credentials"
            ? "Email or password is incorrect."
            : "Sign-in failed; try again.",
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-heading">
        <span className="logo big" aria-hidden="true">
          P
        </span>
        <h1 id="login-heading">Sign in to Parley</h1>
        <p className="muted">Your team's AI workspace: chat with any model, grounded and governed.</p>
        {(error ?? ssoError) && (
          <p role="alert" className="error">
            {error ?? "Single sign-on failed."}
          </p>
        )}
        <label>
          Email
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
            }}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
            }}
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {sso.data?.items.map((provider) => (
          <a key={provider.id} className="button" href={`/api/v1/auth/oidc/${provider.id}/start`}>
            Sign in with {provider.name}
          </a>
        ))}
      </form>
    </main>
  );
}
