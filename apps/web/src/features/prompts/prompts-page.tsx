import { Link, useParams } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { LabelRequests } from "./label-requests.tsx";
import { PromptList } from "./prompt-list.tsx";
import { PromptView } from "./prompt-view.tsx";
import { usePrompt, usePromptList } from "./use-prompts.ts";

/**
 * Prompt templates and personas (`/governance/prompts`, a Governance section): your teams'
 * prompts with the pending label approvals, or the one you open.
 */
export function PromptsPage() {
  const { id } = useParams();
  const list = usePromptList();
  const open = usePrompt(id);
  return (
    <>
      {id !== undefined && (
        <p>
          <Link to="/governance/prompts">← All prompts</Link>
        </p>
      )}
      {id === undefined ? (
        <>
          {list.isError && <Alert>{errorText(list.error)}</Alert>}
          <PromptList items={list.data?.items ?? []} loading={list.isPending} />
          <LabelRequests prompts={list.data?.items ?? []} />
        </>
      ) : open.data ? (
        <PromptView key={open.data.id} prompt={open.data} />
      ) : open.isError ? (
        <section className="panel">
          <h1>Prompt not found</h1>
          <p className="muted">{errorText(open.error)}</p>
        </section>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </>
  );
}
