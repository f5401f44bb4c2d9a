import type { Member, Role, Team } from "@parley/contracts";
import { useState } from "react";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { grantableRoles } from "./team-access.ts";
import { useMembers, useTeamActions } from "./team-api.ts";

/** A team's members with their roles; those who manage the team change roles and remove. */
export function MembersSection({ team }: { team: Team }) {
  const me = useMe();
  const members = useMembers(team.id);
  const actions = useTeamActions(team.id);
  const grantable = grantableRoles(me.data, team);
  const [leaving, setLeaving] = useState<Member | null>(null);
  const error = members.error ?? actions.setRole.error ?? actions.removeMember.error;
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {members.isPending && <p className="muted">Loading…</p>}
      <Alert>{error ? errorText(error) : undefined}</Alert>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            {grantable.length > 0 && (
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {members.data?.items.map((m) => {
            // Nobody changes a member who holds a role above their own.
            const editable = grantable.includes(m.role);
            return (
              <tr key={m.userId}>
                <th scope="row">{m.name}</th>
                <td>{m.email}</td>
                <td>
                  {editable ? (
                    <select
                      aria-label={`Role of ${m.name}`}
                      value={m.role}
                      disabled={actions.setRole.isPending}
                      onChange={(e) => {
                        actions.setRole.mutate({ userId: m.userId, role: e.target.value as Role });
                      }}
                    >
                      {grantable.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                {grantable.length > 0 && (
                  <td>
                    {editable && (
                      <button
                        type="button"
                        aria-label={`Remove ${m.name}`}
                        onClick={() => {
                          setLeaving(m);
                        }}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      <ConfirmDialog
        open={leaving !== null}
        onOpenChange={(open) => {
          if (!open) setLeaving(null);
        }}
        title={`Remove ${leaving?.name ?? ""} from ${team.name}?`}
        description="They lose access to the team's conversations, assistants, knowledge and everything else of the team at once. What they wrote stays with the team; their API keys bound to this team stop working for it."
        confirmLabel="Remove member"
        onConfirm={() => {
          if (leaving) actions.removeMember.mutate(leaving.userId);
        }}
      />
    </section>
  );
}
