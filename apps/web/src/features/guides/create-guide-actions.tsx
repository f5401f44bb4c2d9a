import { Link } from "react-router";
import { Icon } from "../../components/ui/icons.tsx";
import { useMe } from "../auth/use-me.ts";
import { mayDraftGuides } from "./guide-access.ts";
import { DraftDialog } from "./draft-dialog.tsx";
import { TemplateDialog } from "./template-dialog.tsx";
import { withTeam } from "./use-guide-team.ts";

/** The three ways to start a guide: from scratch, from a template, or drafted by the AI. */
export function CreateGuideActions({ teamId }: { teamId: string }) {
  const me = useMe().data;
  return (
    <div className="row wrap guide-create">
      <Link to={withTeam("/guides/new", teamId)} className="button primary">
        <Icon name="plus" /> New guide
      </Link>
      <TemplateDialog teamId={teamId} />
      {mayDraftGuides(me, teamId) && <DraftDialog teamId={teamId} />}
    </div>
  );
}
