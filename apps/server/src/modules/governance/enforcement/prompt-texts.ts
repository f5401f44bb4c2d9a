import type { StageCall } from "../../../kernel/ai-stage.ts";

/** What separates two texts of a call when they are scanned as one (no detector spans it). */
export const SEPARATOR = "\n\n\u2029\n\n";

/**
 * Every text of a call that goes to the provider, in a fixed order: a chat prompt's system and
 * message texts, tool-call arguments and tool results (as JSON); an embedding's values.
 */
export function callTexts(call: StageCall): string[] {
  const texts: string[] = [];
  rewriteTexts(call, (text) => {
    texts.push(text);
    return text;
  });
  return texts;
}

/**
 * The call with each text replaced by `rewrite(text)`, in {@link callTexts}' order. A rewritten
 * tool-call argument or JSON result that no longer parses is passed on as a string.
 */
export function rewriteTexts(call: StageCall, rewrite: (text: string) => string): StageCall {
  if (call.operation === "embedding") return { ...call, values: call.values.map(rewrite) };
  const prompt = call.prompt.map((message) => {
    switch (message.role) {
      case "system":
        return { ...message, content: rewrite(message.content) };
      case "user":
        return {
          ...message,
          content: message.content.map((part) =>
            part.type === "text" ? { ...part, text: rewrite(part.text) } : part,
          ),
        };
      case "assistant":
        return {
          ...message,
          content: message.content.map((part) => {
            if (part.type === "text" || part.type === "reasoning")
              return { ...part, text: rewrite(part.text) };
            if (part.type === "tool-call") return { ...part, input: rewriteJson(part.input, rewrite) };
            if (part.type === "tool-result") return { ...part, output: rewriteOutput(part.output, rewrite) };
            return part;
          }),
        };
      case "tool":
        return {
          ...message,
          content: message.content.map((part) =>
            part.type === "tool-result" ? { ...part, output: rewriteOutput(part.output, rewrite) } : part,
          ),
        };
    }
  });
  return { ...call, prompt };
}

type ToolOutput = Extract<
  Extract<StageCall, { operation: "chat" }>["prompt"][number],
  { role: "tool" }
>["content"][number] extends infer P
  ? P extends { type: "tool-result"; output: infer O }
    ? O
    : never
  : never;

function rewriteOutput(output: ToolOutput, rewrite: (text: string) => string): ToolOutput {
  if (output.type === "text" || output.type === "error-text")
    return { ...output, value: rewrite(output.value) };
  if (output.type === "json" || output.type === "error-json") {
    const value = rewriteJson(output.value, rewrite);
    return typeof value === "string" && typeof output.value !== "string"
      ? { type: "text", value }
      : { ...output, value };
  }
  return output;
}

/** A JSON value rewritten as its serialisation; the string itself when it no longer parses. */
function rewriteJson<T>(value: T, rewrite: (text: string) => string): T | string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  const rewritten = rewrite(text);
  if (rewritten === text) return value;
  if (typeof value === "string") return rewritten;
  try {
    return JSON.parse(rewritten) as T;
  } catch {
    return rewritten;
  }
}
