import { useState } from "react";
import { useNavigate } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog, PromptDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { Panel } from "../admin/panel.tsx";
import { managesTeam } from "./team-access.ts";
import { useTeam, useTeamActions } from "./team-api.ts";
import { InviteSection } from "./invite-section.tsx";
import { MembersSection } from "./members-section.tsx";

/**
 * What deleting a team takes with it, as the database's foreign keys decide (every table that
 * names a team deletes its rows with it); kept in step with the migrations by hand.
 */
export const TEAM_DELETION_TEXT =
  "Its memberships and open invitations, its conversations with their messages, its assistants, knowledge bases with their documents, projects, guides and guide templates, practices, prompts and personas, governance rules with their decisions and approval requests, and the API keys bound to it are deleted for good. The audit log and usage records keep their entries. Uploaded files stay in the server's blob folder.";

/** One team: its name, members, invitations; rename and delete for those who manage it. */
export function TeamView({ id }: { id: string }) {
  const me = useMe();
  const team = useTeam(id);
  const actions = useTeamActions(id);
  const navigate = useNavigate();
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const manages = managesTeam(me.data, team.data);
  const title = team.data?.name ?? "Team";
  return (
    <Panel title={title} loading={team.isPending} error={team.error}>
      {team.data && (
        <>
          <p className="muted">
            {team.data.slug} · {team.data.role ? `you are ${team.data.role}` : "you are not a member"}
          </p>
          {manages && (
            <div className="row">
              <button
                type="button"
                onClick={() => {
                  setRenaming(true);
                }}
              >
                Rename team
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setDeleting(true);
                }}
              >
                Delete team
              </button>
            </div>
          )}
          <Alert>
            {actions.rename.error
              ? errorText(actions.rename.error)
              : actions.remove.error
                ? errorText(actions.remove.error)
                : undefined}
          </Alert>
          <MembersSection team={team.data} />
          {manages && <InviteSection team={team.data} />}
          <PromptDialog
            open={renaming}
            onOpenChange={setRenaming}
            title="Rename team"
            label="Team name"
            initial={team.data.name}
            onSubmit={(name) => {
              actions.rename.mutate(name);
            }}
          />
          <ConfirmDialog
            open={deleting}
            onOpenChange={setDeleting}
            title={`Delete ${team.data.name}?`}
            description={TEAM_DELETION_TEXT}
            confirmLabel="Delete team and its data"
            onConfirm={() => {
              actions.remove.mutate(undefined, { onSuccess: () => void navigate("/teams") });
            }}
          />
        </>
      )}
    </Panel>
  );
}
