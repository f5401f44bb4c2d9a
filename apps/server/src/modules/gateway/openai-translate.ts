import type {
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4ToolChoice,
} from "@ai-sdk/provider";
import type { AnswerSource } from "@parley/contracts";
import type { ChatOptions, FinishReason } from "../ai/index.ts";
import type { ChatCompletionRequest, ChatMessage } from "./openai.schemas.ts";

const text = (content: string | { text: string }[] | null | undefined): string =>
  typeof content === "string" ? content : (content ?? []).map((p) => p.text).join("");

/** OpenAI messages → the AI SDK's provider-neutral prompt. */
export function toPrompt(messages: ChatMessage[]): LanguageModelV4Prompt {
  const toolNames = new Map<string, string>();
  return messages.map((message): LanguageModelV4Message => {
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", content: text(message.content) };
      case "user":
        return {
          role: "user",
          content:
            typeof message.content === "string"
              ? [{ type: "text", text: message.content }]
              : message.content.map((part) =>
                  part.type === "text"
                    ? { type: "text" as const, text: part.text }
                    : {
                        type: "file" as const,
                        mediaType: "image/*",
                        data: { type: "url" as const, url: new URL(part.image_url.url) },
                      },
                ),
        };
      case "assistant": {
        const parts: Extract<LanguageModelV4Message, { role: "assistant" }>["content"] = [];
        const content = text(message.content);
        if (content) parts.push({ type: "text", text: content });
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          parts.push({
            type: "tool-call",
            toolCallId: call.id,
            toolName: call.function.name,
            input: parseArguments(call.function.arguments),
          });
        }
        return { role: "assistant", content: parts };
      }
      case "tool":
        return {
          role: "tool",
          content: [
            {
              type: "tool-result",
              toolCallId: message.tool_call_id,
              toolName: toolNames.get(message.tool_call_id) ?? "unknown",
              output: { type: "text", value: text(message.content) },
            },
          ],
        };
    }
  });
}

function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Sampling, tools and response format → AI SDK call options. */
export function toOptions(body: ChatCompletionRequest): ChatOptions {
  const options: ChatOptions = {};
  if (body.temperature != null) options.temperature = body.temperature;
  if (body.top_p != null) options.topP = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) options.maxOutputTokens = maxTokens;
  if (body.stop != null) options.stopSequences = typeof body.stop === "string" ? [body.stop] : body.stop;
  if (body.seed != null) options.seed = body.seed;
  if (body.presence_penalty != null) options.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) options.frequencyPenalty = body.frequency_penalty;
  if (body.tools?.length) {
    options.tools = body.tools.map((tool): LanguageModelV4FunctionTool => ({
      type: "function",
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      inputSchema: tool.function.parameters ?? {
        type: "object",
        properties: {},
      },
    }));
  }
  if (body.tool_choice) options.toolChoice = toToolChoice(body.tool_choice);
  if (body.response_format?.type === "json_object") options.responseFormat = { type: "json" };
  if (body.response_format?.type === "json_schema") {
    const js = body.response_format.json_schema;
    options.responseFormat = {
      type: "json",
      name: js.name,
      ...(js.description ? { description: js.description } : {}),
      ...(js.schema
        ? {
            schema: js.schema,
          }
        : {}),
    };
  }
  return options;
}

function toToolChoice(choice: NonNullable<ChatCompletionRequest["tool_choice"]>): LanguageModelV4ToolChoice {
  if (typeof choice === "string") return { type: choice };
  return { type: "tool", toolName: choice.function.name };
}

/** AI SDK finish reasons → OpenAI's. */
export function toFinishReason(reason: FinishReason): "stop" | "length" | "tool_calls" | "content_filter" {
  switch (reason) {
    case "length":
      return "length";
    case "tool-calls":
      return "tool_calls";
    case "content-filter":
      return "content_filter";
    case "stop":
    case "other":
      return "stop";
  }
}

/**
 * A source as `/v1` shows it (`parley_sources`): the chat API's `AnswerSource` in the snake_case
 * of OpenAI's wire format.
 */
export function toOpenAiSource(source: AnswerSource) {
  return {
    number: source.n,
    knowledge_base_id: source.knowledgeBaseId,
    document_id: source.documentId,
    document_name: source.documentName,
    chunk_id: source.chunkId,
    heading_path: source.headingPath,
    start: source.start,
    end: source.end,
    snippet: source.snippet,
  };
}
