import type { RequestBody } from "./behaviour.ts";
import type { StreamPlan } from "./stream-writer.ts";
import { countTokens, isRecord, sampleFromSchema } from "./text.ts";

/** The `created` timestamp of every response: fixed, so the same request gets the same bytes. */
export const CREATED = 1_700_000_000;

/** What the fake decided to answer to one chat request. */
export type ChatAnswer =
  | { readonly kind: "text"; readonly content: string }
  | { readonly kind: "tool"; readonly id: string; readonly name: string; readonly arguments: string };

/** The fields every chunk or completion of one answer shares. */
export interface ChatMeta {
  readonly id: string;
  readonly model: string;
  readonly promptTokens: number;
  /** False for the `no-finish` fault: no chunk carries a finish_reason. */
  readonly finish: boolean;
}

/** The text the fake tokenizer counts as the prompt: string contents and text parts of every message. */
export function promptText(messages: readonly unknown[]): string {
  let text = "";
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const content = message.content;
    if (typeof content === "string") text += content;
    else if (Array.isArray(content)) {
      for (const part of content) if (isRecord(part) && typeof part.text === "string") text += part.text;
    }
  }
  return text;
}

function chosenTool(body: RequestBody): { name: string; parameters: unknown } | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  const last: unknown = Array.isArray(body.messages) ? body.messages.at(-1) : undefined;
  if (tools.length === 0 || body.tool_choice === "none" || !isRecord(last) || last.role !== "user") {
    return undefined;
  }
  const wanted =
    isRecord(body.tool_choice) && isRecord(body.tool_choice.function)
      ? body.tool_choice.function.name
      : undefined;
  const tool = tools.find((t) => isRecord(t.function) && t.function.name === wanted) ?? tools[0];
  const fn = tool && isRecord(tool.function) ? tool.function : {};
  return { name: typeof fn.name === "string" ? fn.name : "tool", parameters: fn.parameters };
}

/**
 * Decides the answer: a call to the first tool (or the one `tool_choice` names) when the request
 * offers tools and the last message is the user's; a JSON object in JSON mode (a sample of the
 * schema for `json_schema`, `{"answer": <text>}` for `json_object`); otherwise `text`.
 */
export function chatAnswer(body: RequestBody, text: string, hash: string): ChatAnswer {
  const tool = chosenTool(body);
  if (tool) {
    const args = sampleFromSchema(tool.parameters);
    return {
      kind: "tool",
      id: `call_${hash}`,
      name: tool.name,
      arguments: JSON.stringify(isRecord(args) ? args : {}),
    };
  }
  const format = body.response_format;
  if (isRecord(format) && format.type === "json_schema") {
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    const sample = sampleFromSchema(schema);
    return { kind: "text", content: JSON.stringify(isRecord(sample) ? sample : {}) };
  }
  if (isRecord(format) && format.type === "json_object") {
    return { kind: "text", content: JSON.stringify({ answer: text }) };
  }
  return { kind: "text", content: text };
}

/** The text an answer streams: its content, or its tool-call arguments. */
export function streamedText(answer: ChatAnswer): string {
  return answer.kind === "text" ? answer.content : answer.arguments;
}

/** OpenAI usage; completion tokens are the number of deltas the answer streams in. */
export function chatUsage(meta: ChatMeta, deltaCount: number) {
  return {
    prompt_tokens: meta.promptTokens,
    completion_tokens: deltaCount,
    total_tokens: meta.promptTokens + deltaCount,
  };
}

/**
 * Serialises a streamed chat completion as OpenAI sends it: a role chunk, one chunk per delta
 * (`content`, or `tool_calls[0].function.arguments`), a finish chunk, the usage chunk with empty
 * `choices` when `includeUsage`, then `data: [DONE]`.
 */
export function chatStreamPlan(
  answer: ChatAnswer,
  pieces: readonly string[],
  meta: ChatMeta,
  includeUsage: boolean,
): StreamPlan {
  const j = JSON.stringify;
  const common = `"id":${j(meta.id)},"object":"chat.completion.chunk","created":${CREATED},"model":${j(meta.model)},"system_fingerprint":"fp_fake"`;
  const open = `data: {${common},"choices":[{"index":0,"delta":`;
  const close = (finish: string | null) => `,"logprobs":null,"finish_reason":${j(finish)}}]}\n\n`;
  const isTool = answer.kind === "tool";
  const role = isTool
    ? `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":${j(answer.id)},"type":"function","function":{"name":${j(answer.name)},"arguments":""}}],"refusal":null}`
    : `{"role":"assistant","content":"","refusal":null}`;
  const delta = (piece: string) =>
    isTool ? `{"tool_calls":[{"index":0,"function":{"arguments":${j(piece)}}}]}` : `{"content":${j(piece)}}`;
  const finish = meta.finish ? open + "{}" + close(isTool ? "tool_calls" : "stop") : "";
  const usage = includeUsage
    ? `data: {${common},"choices":[],"usage":${j(chatUsage(meta, pieces.length))}}\n\n`
    : "";
  return {
    head: open + role + close(null),
    deltas: pieces.map((piece) => open + delta(piece) + close(null)),
    tail: finish + usage + "data: [DONE]\n\n",
    malformed: `data: {${common},"choices":[{"index":0,"delta":{"content":"this frame is cut short\n\n`,
  };
}

/** The non-streamed `chat.completion` object for an answer. */
export function chatCompletion(answer: ChatAnswer, deltaCount: number, meta: ChatMeta) {
  const message =
    answer.kind === "tool"
      ? {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: answer.id, type: "function", function: { name: answer.name, arguments: answer.arguments } },
          ],
          refusal: null,
          annotations: [],
        }
      : { role: "assistant", content: answer.content, refusal: null, annotations: [] };
  const reason = answer.kind === "tool" ? "tool_calls" : "stop";
  return {
    id: meta.id,
    object: "chat.completion",
    created: CREATED,
    model: meta.model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, message, logprobs: null, finish_reason: meta.finish ? reason : null }],
    usage: chatUsage(meta, deltaCount),
  };
}

/** Prompt tokens of a chat request under the fake tokenizer. */
export function chatPromptTokens(messages: readonly unknown[]): number {
  return countTokens(promptText(messages));
}
