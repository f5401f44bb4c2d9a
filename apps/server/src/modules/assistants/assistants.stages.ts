import type { PipelineStage } from "../../kernel/ai-stage.ts";
import type { AssistantService } from "./assistants.service.ts";

/**
 * The assistant stage: a call made with an assistant (a chat with one, `assistant/<slug>` on the
 * gateway) gets its instructions as the system prompt and its temperature and output limit unless
 * the call sets them itself. Refuses (`assistant.not_found`) an assistant the caller cannot see.
 * @example
 * stages: [{ order: STAGE_ORDER.context, stage: assistantStage({ assistants }) }]
 */
export function assistantStage(deps: { assistants: AssistantService }): PipelineStage {
  return {
    name: "assistant",
    before: async (call, ctx) => {
      if (call.operation !== "chat" || !call.assistantId) return undefined;
      const settings = await deps.assistants.settingsFor(call.assistantId, ctx.request);
      const prompt = settings.instructions.trim()
        ? [{ role: "system" as const, content: settings.instructions }, ...call.prompt]
        : call.prompt;
      return {
        ...call,
        prompt,
        options: {
          ...call.options,
          temperature: call.options.temperature ?? settings.temperature ?? undefined,
          maxOutputTokens: call.options.maxOutputTokens ?? settings.maxOutputTokens ?? undefined,
        },
      };
    },
  };
}
