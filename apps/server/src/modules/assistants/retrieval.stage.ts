import type { GroundingSource } from "../../kernel/ai-call.ts";
import type { PipelineStage } from "../../kernel/ai-stage.ts";
import type { KnowledgeExports } from "../knowledge/index.ts";
import type { AssistantService } from "./assistants.service.ts";
import { NO_SOURCES_MESSAGE, searchQueryOf, sourcesMessage, withSystemText } from "./grounding-prompt.ts";

/** Passages one answer is given with at most. */
export const GROUNDING_PASSAGES = 6;

/**
 * The retrieval stage: a call made with an assistant that has knowledge bases searches them for
 * the question (the last user message and a little of the one before) and puts the passages found
 * into the prompt, numbered `[1]`…`[n]`, with the instruction to cite them and to say when they
 * do not hold the answer; the call carries them as its `sources`. Nothing found: the prompt says
 * so instead, and the call has no sources. Calls without such an assistant are left alone.
 * @example
 * stages: [{ order: STAGE_ORDER.retrieval, stage: retrievalStage({ assistants, search }) }]
 */
export function retrievalStage(deps: {
  assistants: Pick<AssistantService, "groundingBases">;
  search: Pick<KnowledgeExports["search"], "search">;
}): PipelineStage {
  return {
    name: "retrieval",
    before: async (call, ctx) => {
      if (call.operation !== "chat" || !call.assistantId) return undefined;
      const bases = await deps.assistants.groundingBases(call.assistantId, ctx.request);
      if (!bases.length) return undefined;
      const query = searchQueryOf(call.prompt);
      const found = query
        ? await deps.search.search({
            knowledgeBaseIds: bases,
            query,
            limit: GROUNDING_PASSAGES,
            // The asker's context: a base with an embedding model embeds the question on their behalf.
            context: ctx.request,
          })
        : null;
      const sources: GroundingSource[] = (found?.hits ?? []).map((hit, i) => ({ ...hit, n: i + 1 }));
      const text = sources.length ? sourcesMessage(sources) : NO_SOURCES_MESSAGE;
      return { ...call, prompt: withSystemText(call.prompt, text), sources };
    },
  };
}
