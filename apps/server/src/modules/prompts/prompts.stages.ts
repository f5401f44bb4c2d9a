import type { PersonaRef } from "../../kernel/ai-call.ts";
import type { PipelineStage, StageContext } from "../../kernel/ai-stage.ts";
import type { PersonaService } from "./persona.service.ts";

/**
 * The persona stage: a call made with a persona version (`persona/<slug>` on the gateway or in a
 * chat) gets its instructions as the system prompt and its temperature and output limit unless the
 * call sets them itself; once settled, the call is recorded under that version (outcome, tokens,
 * cost) for the prompt's stats. Refuses (`prompt.not_found`) a persona the caller no longer sees.
 * @example
 * stages: [{ order: STAGE_ORDER.context, stage: personaStage({ personas }) }]
 */
export function personaStage(deps: { personas: PersonaService }): PipelineStage {
  const used = new WeakMap<StageContext, PersonaRef>();
  return {
    name: "persona",
    before: async (call, ctx) => {
      if (call.operation !== "chat" || !call.persona) return undefined;
      const content = await deps.personas.contentFor(call.persona, ctx.request);
      used.set(ctx, call.persona);
      const prompt = content.instructions.trim()
        ? [{ role: "system" as const, content: content.instructions }, ...call.prompt]
        : call.prompt;
      return {
        ...call,
        prompt,
        options: {
          ...call.options,
          temperature: call.options.temperature ?? content.temperature ?? undefined,
          maxOutputTokens: call.options.maxOutputTokens ?? content.maxOutputTokens ?? undefined,
        },
      };
    },
    after: async (settled, ctx) => {
      const ref = used.get(ctx);
      if (ref) await deps.personas.record(ref, settled, ctx.principal.userId);
    },
  };
}
