import { MAX_ASSISTANT_KNOWLEDGE_BASES, type KnowledgeBase, type Me } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";

/**
 * Picks the knowledge bases an assistant answers from (at most ten). A team-visible assistant
 * may take only its team's bases: the others are shown but cannot be picked, saying why (one
 * already picked can still be unpicked).
 */
export function KnowledgePicker({
  selected,
  onChange,
  teamId,
  teamVisible,
  teams,
}: {
  selected: string[];
  onChange: (ids: string[]) => void;
  /** The assistant's team (empty: personal). */
  teamId: string;
  teamVisible: boolean;
  teams: Me["teams"];
}) {
  const bases = useQuery({
    queryKey: ["knowledge-bases"],
    queryFn: () => api<{ items: KnowledgeBase[] }>("/api/v1/knowledge-bases?limit=200"),
  });
  const teamName = (id: string | null) =>
    id === null ? "personal" : `team ${teams.find((t) => t.id === id)?.name ?? "?"}`;
  const items = bases.data?.items ?? [];
  const full = selected.length >= MAX_ASSISTANT_KNOWLEDGE_BASES;
  return (
    <fieldset className="knowledge-picker">
      <legend>Knowledge</legend>
      <p className="muted small-text" id="knowledge-hint">
        Answers search these and cite the passages they use as [1], [2]… (at most{" "}
        {MAX_ASSISTANT_KNOWLEDGE_BASES}).
        {teamVisible && " An assistant the team sees uses only the team's knowledge bases."}
      </p>
      {bases.isPending ? (
        <p className="muted small-text">Loading knowledge bases…</p>
      ) : items.length === 0 ? (
        <p className="muted small-text">No knowledge bases you can read yet.</p>
      ) : (
        <ul>
          {items.map((base) => {
            const checked = selected.includes(base.id);
            const outside = teamVisible && base.teamId !== teamId;
            return (
              <li key={base.id}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={checked}
                    disabled={!checked && (outside || full)}
                    aria-describedby="knowledge-hint"
                    onChange={(e) => {
                      onChange(
                        e.target.checked ? [...selected, base.id] : selected.filter((id) => id !== base.id),
                      );
                    }}
                  />
                  <span>{base.name}</span>
                  <span className="muted small-text">
                    {teamName(base.teamId)} · {base.documentCount} document
                    {base.documentCount === 1 ? "" : "s"}
                    {outside && " · not the assistant's team"}
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
    </fieldset>
  );
}
