import type { KnowledgeBase } from "@parley/contracts";
import { useMe } from "../auth/use-me.ts";

/** Whose a knowledge base is: "Personal", or its team's name. */
export function WhereBadge({ base }: { base: Pick<KnowledgeBase, "teamId"> }) {
  const teams = useMe().data?.teams ?? [];
  const label =
    base.teamId === null
      ? "Personal"
      : `Team ${teams.find((t) => t.id === base.teamId)?.name ?? "(not a member)"}`;
  return <span className="where-badge">{label}</span>;
}
