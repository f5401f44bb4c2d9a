import type { AcceptInvitationResponse, InvitationInfo } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";

/**
 * `/invite/<token>`: says which team the link joins; a signed-in person joins with one click, a
 * newcomer creates their account here and lands in the team.
 */
export function InvitePage() {
  const { token = "" } = useParams();
  const me = useMe();
  const info = useQuery({
    queryKey: ["invitation", token],
    queryFn: () => api<InvitationInfo>(`/api/v1/invitations/${encodeURIComponent(token)}`),
    retry: false,
  });
  return (
    <main className="login">
      <div className="card login-card">
        <span className="logo big" aria-hidden="true">
          P
        </span>
        {info.isPending || me.isPending ? (
          <p className="muted">Loading…</p>
        ) : info.error ? (
          <>
            <h1>This invitation does not work</h1>
            <p role="alert" className="error">
              {info.error instanceof ApiError && info.error.code === "invitation.invalid"
                ? "The link is unknown, was used already, or has expired. Ask the team's admin for a new one."
                : errorText(info.error)}
            </p>
            <Link to="/">Go to Parley</Link>
          </>
        ) : (
          <>
            <h1>Join {info.data.teamName}</h1>
            <p className="muted">
              You are invited as <strong>{info.data.role}</strong>
              {info.data.email ? (
                <>
                  {" "}
                  for <strong>{info.data.email}</strong>
                </>
              ) : null}
              . The link works until {new Date(info.data.expiresAt).toLocaleString()}.
            </p>
            {me.data ? (
              <JoinAsSignedIn token={token} email={me.data.user.email} invited={info.data.email} />
            ) : (
              <SignUp token={token} info={info.data} />
            )}
          </>
        )}
      </div>
    </main>
  );
}

function useAccept(token: string) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: (body: { email: string; name: string; password: string } | undefined) =>
      api<AcceptInvitationResponse>(`/api/v1/invitations/${encodeURIComponent(token)}/accept`, {
        method: "POST",
        ...(body ? { body } : {}),
      }),
    onSuccess: async (joined) => {
      queryClient.removeQueries({ queryKey: ["me"] });
      await queryClient.invalidateQueries({ queryKey: ["teams"] });
      await navigate(`/teams/${joined.teamId}`);
    },
  });
}

function JoinAsSignedIn({ token, email, invited }: { token: string; email: string; invited: string | null }) {
  const accept = useAccept(token);
  if (invited && invited !== email)
    return (
      <p role="alert" className="error">
        You are signed in as {email}, but this invitation is for {invited}. Sign out and open the link again.
      </p>
    );
  return (
    <>
      <p>You are signed in as {email}.</p>
      <button
        type="button"
        className="primary"
        disabled={accept.isPending}
        onClick={() => {
          accept.mutate(undefined);
        }}
      >
        Join the team
      </button>
      <Alert>{accept.error ? errorText(accept.error) : undefined}</Alert>
    </>
  );
}

function SignUp({ token, info }: { token: string; info: InvitationInfo }) {
  const accept = useAccept(token);
  const [email, setEmail] = useState(info.email ?? "");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  return (
    <form
      className="stack"
      aria-labelledby="signup-heading"
      onSubmit={(e) => {
        e.preventDefault();
        accept.mutate({ email, name, password });
      }}
    >
      <h2 id="signup-heading">Create your account</h2>
      <label>
        Email
        <input
          type="email"
          autoComplete="username"
          required
          readOnly={info.email !== null}
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
          }}
        />
      </label>
      <label>
        Your name
        <input
          autoComplete="name"
          required
          maxLength={200}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
      </label>
      <label>
        Password
        <input
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          aria-describedby="signup-password-hint"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
          }}
        />
      </label>
      <p id="signup-password-hint" className="muted">
        At least 12 characters; a few unrelated words make a strong one.
      </p>
      <button type="submit" className="primary" disabled={accept.isPending}>
        Create account and join
      </button>
      <Alert>{accept.error ? errorText(accept.error) : undefined}</Alert>
      <p className="muted">
        Have an account already?{" "}
        <Link to={`/login?next=${encodeURIComponent(`/invite/${token}`)}`}>Sign in</Link> and come back to
        this link.
      </p>
    </form>
  );
}
