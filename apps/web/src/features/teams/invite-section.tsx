import type { Role, Team } from "@parley/contracts";
import { useState } from "react";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { grantableRoles } from "./team-access.ts";
import { useInvitations, useTeamActions } from "./team-api.ts";

/**
 * Inviting by e-mail: makes a one-time link for that address and shows it to copy. This server
 * sends no mail yet, so the page says so instead of pretending the link went out.
 */
export function InviteSection({ team }: { team: Team }) {
  const me = useMe();
  const { invite, revokeInvitation } = useTeamActions(team.id);
  const open = useInvitations(team.id);
  const roles = grantableRoles(me.data, team);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const [copied, setCopied] = useState(false);
  const created = invite.data;
  return (
    <section aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setCopied(false);
          invite.mutate(
            { email, role },
            {
              onSuccess: () => {
                setEmail("");
              },
            },
          );
        }}
      >
        <label>
          Email
          <input
            type="email"
            required
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
            }}
          />
        </label>
        <label>
          Role in the team
          <select
            value={role}
            onChange={(e) => {
              setRole(e.target.value as Role);
            }}
          >
            {roles.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={invite.isPending}>
          Create invitation
        </button>
      </form>
      <Alert>{invite.error ? errorText(invite.error) : undefined}</Alert>
      {created && (
        <div className="notice invite-link" role="status">
          <p>
            Invitation for <strong>{created.email}</strong> as {created.role}, valid until{" "}
            {new Date(created.expiresAt).toLocaleString()}. It works once.
          </p>
          <p className="notice-warn">
            Mail sending is not configured on this server: copy the link and send it to them yourself.
          </p>
          <div className="row">
            <input aria-label="Invitation link" readOnly value={created.url} className="secret" />
            <button
              type="button"
              onClick={() => {
                void navigator.clipboard.writeText(created.url).then(() => {
                  setCopied(true);
                });
              }}
            >
              {copied ? "Copied" : "Copy link"}
            </button>
          </div>
        </div>
      )}
      <h3 id="open-invitations-heading">Open invitations</h3>
      {open.data?.items.length === 0 && <p className="muted">None.</p>}
      <Alert>
        {(open.error ?? revokeInvitation.error) ? errorText(open.error ?? revokeInvitation.error) : undefined}
      </Alert>
      <ul className="session-list" aria-labelledby="open-invitations-heading">
        {open.data?.items.map((i) => (
          <li key={i.id}>
            <span>
              {i.email ?? "anyone with the link"} as {i.role}
              <span className="muted small"> · until {new Date(i.expiresAt).toLocaleString()}</span>
            </span>
            <button
              type="button"
              aria-label={`Revoke the invitation for ${i.email ?? "anyone"}`}
              disabled={revokeInvitation.isPending}
              onClick={() => {
                revokeInvitation.mutate(i.id);
              }}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
