import type { PipelineStage } from "../../kernel/ai-stage.ts";
import type { PracticeCache } from "./practice-cache.ts";
import { practicesMessage, withSystemText } from "./practices-prompt.ts";

/**
 * The practices stage: a chat call made for a team gets the team's enabled practices, and those
 * of the call's project, as one system message after the assistant's instructions (team-wide
 * first, then the project's, each in order; at most `MAX_PRACTICES_CHARS_PER_CALL` characters,
 * see {@link practicesMessage}). Calls without a team, and embeddings, are left alone. Reads the
 * practices from the per-team cache, which every change empties on every pod.
 * @example
 * stages: [{ order: STAGE_ORDER.practices, stage: practicesStage({ cache }) }]
 */
export function practicesStage(deps: { cache: Pick<PracticeCache, "get"> }): PipelineStage {
  return {
    name: "practices",
    before: async (call, ctx) => {
      if (call.operation !== "chat" || ctx.teamId === null) return undefined;
      const all = await deps.cache.get(ctx.teamId);
      const team = all.filter((p) => p.projectId === null);
      const project = ctx.projectId === null ? [] : all.filter((p) => p.projectId === ctx.projectId);
      const text = practicesMessage(team, project);
      if (!text) return undefined;
      return { ...call, prompt: withSystemText(call.prompt, text) };
    },
  };
}
