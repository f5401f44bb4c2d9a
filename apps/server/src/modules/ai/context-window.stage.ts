import { AppError } from "../../kernel/app-error.ts";
import type { PipelineStage, StageCall } from "../../kernel/ai-stage.ts";

/**
 * Built in: a prompt that cannot fit the model's context window is refused before any cost
 * (~4 characters a token, the same estimate as metering's when the upstream reports no usage).
 * @example
 * new AiPipeline({ ..., stages: [rateLimitStage(...), contextWindowStage(), ...] });
 */
export function contextWindowStage(): PipelineStage {
  return {
    name: "context_window",
    before(call, ctx) {
      const window = ctx.requested.contextWindow;
      if (window === null) return;
      const estimated = Math.ceil(promptLength(call) / 4);
      if (estimated > window) {
        throw new AppError(
          "prompt.too_large",
          `The prompt (~${estimated} tokens) exceeds ${ctx.requested.id}'s context window of ${window}`,
          { details: { estimatedTokens: estimated, contextWindow: window } },
        );
      }
    },
  };
}

/** Characters of the call's text: the prompt's messages (joined by newlines) or the values. */
export function promptLength(call: StageCall): number {
  if (call.operation === "embedding") return call.values.join("\n").length;
  return promptText(call.prompt).length;
}

/** The text of a chat prompt, messages joined by newlines (non-text parts count as empty). */
export function promptText(prompt: Extract<StageCall, { operation: "chat" }>["prompt"]): string {
  return prompt
    .map((m) =>
      typeof m.content === "string" ? m.content : m.content.map((p) => ("text" in p ? p.text : "")).join(""),
    )
    .join("\n");
}
