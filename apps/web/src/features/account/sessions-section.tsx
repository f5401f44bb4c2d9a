import type { AccountSession, ItemList, SessionsSignedOut } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { describeDevice } from "./device.ts";

/** Where you are signed in: sign out this session, one other, or all the others. */
export function SessionsSection() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const sessions = useQuery({
    queryKey: ["sessions"],
    queryFn: () => api<ItemList<AccountSession>>("/api/v1/me/sessions"),
  });
  const signOut = useMutation({
    mutationFn: (session: AccountSession) => api(`/api/v1/me/sessions/${session.id}`, { method: "DELETE" }),
    onSuccess: async (_answer, session) => {
      if (session.current) {
        queryClient.clear();
        await navigate("/login");
      } else await queryClient.invalidateQueries({ queryKey: ["sessions"] });
    },
  });
  const others = useMutation({
    mutationFn: () => api<SessionsSignedOut>("/api/v1/me/sessions/sign-out-others", { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["sessions"] }),
  });
  const items = sessions.data?.items ?? [];
  const error = sessions.error ?? signOut.error ?? others.error;
  return (
    <section aria-labelledby="sessions-heading" className="card">
      <h2 id="sessions-heading">Sessions</h2>
      {sessions.isPending && <p className="muted">Loading…</p>}
      <Alert>{error ? errorText(error) : undefined}</Alert>
      <ul className="session-list">
        {items.map((s) => (
          <li key={s.id}>
            <div>
              <strong>{describeDevice(s.userAgent)}</strong>
              {s.current && <span className="badge">this session</span>}
              <div className="muted small">
                {s.ip ?? "unknown address"} · signed in {new Date(s.signedInAt).toLocaleString()} · active{" "}
                {new Date(s.lastActiveAt).toLocaleString()}
              </div>
            </div>
            <button
              type="button"
              disabled={signOut.isPending}
              aria-label={
                s.current ? "Sign out this session" : `Sign out ${describeDevice(s.userAgent)}, ${s.ip ?? ""}`
              }
              onClick={() => {
                signOut.mutate(s);
              }}
            >
              Sign out
            </button>
          </li>
        ))}
      </ul>
      {items.some((s) => !s.current) && (
        <button
          type="button"
          disabled={others.isPending}
          onClick={() => {
            others.mutate();
          }}
        >
          Sign out all other sessions
        </button>
      )}
      {others.data && (
        <p role="status" className="ok">
          {others.data.signedOut === 1 ? "1 session" : `${String(others.data.signedOut)} sessions`} signed
          out.
        </p>
      )}
    </section>
  );
}
