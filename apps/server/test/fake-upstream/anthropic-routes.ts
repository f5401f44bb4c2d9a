import type { RequestBody } from "./behaviour.ts";
import { answerText } from "./citing.ts";
import { playEarlyFault } from "./faults.ts";
import { sendError, sendJson } from "./http.ts";
import { settingsFor, type RouteContext } from "./route-context.ts";
import { sendAnswer, writeStream, type StreamPlan } from "./stream-writer.ts";
import { countTokens, hashHex, isRecord, sampleFromSchema, splitText } from "./text.ts";

type MessageAnswer =
  | { readonly kind: "text"; readonly text: string }
  | {
      readonly kind: "tool";
      readonly id: string;
      readonly name: string;
      readonly input: Record<string, unknown>;
    };

interface MessageMeta {
  readonly id: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Null for the `no-finish` fault. */
  readonly stopReason: "end_turn" | "tool_use" | null;
}

/**
 * Requires `x-api-key` (equal to `apiKey` when one is configured) and `anthropic-version`, as the
 * Anthropic API does, answering 401 or 400 otherwise.
 */
function authorised(ctx: RouteContext): boolean {
  const key = ctx.req.headers["x-api-key"];
  if (typeof key !== "string" || key === "") {
    sendError(ctx.res, "anthropic", "authentication", "x-api-key header is required");
  } else if (ctx.behaviour.apiKey !== undefined && key !== ctx.behaviour.apiKey) {
    sendError(ctx.res, "anthropic", "authentication", "invalid x-api-key");
  } else if (typeof ctx.req.headers["anthropic-version"] !== "string") {
    sendError(ctx.res, "anthropic", "invalid_request", "anthropic-version: header is required");
  } else {
    return true;
  }
  return false;
}

/** `GET /v1/models` with an `anthropic-version` header: the configured models in Anthropic's list shape. */
export function listAnthropicModels(ctx: RouteContext): void {
  if (!authorised(ctx)) return;
  const { models } = ctx.behaviour;
  const data = models.map((id) => ({
    type: "model",
    id,
    display_name: id,
    created_at: "2023-11-14T22:13:20Z",
  }));
  sendJson(ctx.res, 200, {
    data,
    has_more: false,
    first_id: models[0] ?? null,
    last_id: models.at(-1) ?? null,
  });
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => (isRecord(block) && typeof block.text === "string" ? block.text : ""))
    .join("");
}

/** A tool_use of the first tool (or the one `tool_choice` names) while the user has the last word. */
function messageAnswer(body: RequestBody, text: string, hash: string): MessageAnswer {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  const last: unknown = Array.isArray(body.messages) ? body.messages.at(-1) : undefined;
  const choice = isRecord(body.tool_choice) ? body.tool_choice : {};
  const answersTool =
    isRecord(last) &&
    Array.isArray(last.content) &&
    last.content.some((block) => isRecord(block) && block.type === "tool_result");
  if (
    tools.length === 0 ||
    choice.type === "none" ||
    !isRecord(last) ||
    last.role !== "user" ||
    answersTool
  ) {
    return { kind: "text", text };
  }
  const tool = tools.find((t) => t.name === choice.name) ?? tools[0] ?? {};
  const input = sampleFromSchema(tool.input_schema);
  return {
    kind: "tool",
    id: `toolu_${hash}`,
    name: typeof tool.name === "string" ? tool.name : "tool",
    input: isRecord(input) ? input : {},
  };
}

/**
 * Serialises a streamed message as Anthropic sends it: `message_start`, `content_block_start`,
 * `ping`, one `content_block_delta` per delta (`text_delta` or `input_json_delta`),
 * `content_block_stop`, `message_delta` (stop reason and output tokens), `message_stop`.
 */
function messageStreamPlan(answer: MessageAnswer, pieces: readonly string[], meta: MessageMeta): StreamPlan {
  const j = JSON.stringify;
  const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;
  const message = `{"id":${j(meta.id)},"type":"message","role":"assistant","model":${j(meta.model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${meta.inputTokens},"output_tokens":1}}`;
  const block =
    answer.kind === "tool"
      ? `{"type":"tool_use","id":${j(answer.id)},"name":${j(answer.name)},"input":{}}`
      : `{"type":"text","text":""}`;
  const delta = (piece: string) =>
    answer.kind === "tool"
      ? `{"type":"input_json_delta","partial_json":${j(piece)}}`
      : `{"type":"text_delta","text":${j(piece)}}`;
  return {
    head:
      event("message_start", `{"type":"message_start","message":${message}}`) +
      event("content_block_start", `{"type":"content_block_start","index":0,"content_block":${block}}`) +
      event("ping", `{"type": "ping"}`),
    deltas: pieces.map((piece) =>
      event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":${delta(piece)}}`),
    ),
    tail:
      event("content_block_stop", `{"type":"content_block_stop","index":0}`) +
      event(
        "message_delta",
        `{"type":"message_delta","delta":{"stop_reason":${j(meta.stopReason)},"stop_sequence":null},"usage":{"output_tokens":${meta.outputTokens}}}`,
      ) +
      event("message_stop", `{"type":"message_stop"}`),
    malformed: event(
      "content_block_delta",
      `{"type":"content_block_delta","index":0,"delta":{"text":"cut short`,
    ),
  };
}

function messageObject(answer: MessageAnswer, meta: MessageMeta) {
  return {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content: [
      answer.kind === "tool"
        ? { type: "tool_use", id: answer.id, name: answer.name, input: answer.input }
        : { type: "text", text: answer.text },
    ],
    stop_reason: meta.stopReason,
    stop_sequence: null,
    usage: { input_tokens: meta.inputTokens, output_tokens: meta.outputTokens },
  };
}

/** `POST /v1/messages`, streamed (`stream: true`) or not; output tokens are the number of deltas. */
export async function messages(ctx: RouteContext): Promise<void> {
  if (!authorised(ctx)) return;
  const { body } = ctx;
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    sendError(ctx.res, "anthropic", "invalid_request", "messages: must be a non-empty array");
    return;
  }
  if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    sendError(ctx.res, "anthropic", "invalid_request", "max_tokens: Field required");
    return;
  }
  const settings = settingsFor(ctx, "anthropic");
  if (!settings || (await playEarlyFault(ctx.res, "anthropic", settings.fault))) return;
  const hash = hashHex(ctx.raw);
  const text = answerText(body, ctx.behaviour, settings);
  const answer = messageAnswer(body, text, hash);
  const pieces = splitText(
    answer.kind === "text" ? answer.text : JSON.stringify(answer.input),
    settings.chunks,
  );
  const prompt =
    textOf(body.system) + body.messages.map((m) => (isRecord(m) ? textOf(m.content) : "")).join("");
  const meta: MessageMeta = {
    id: `msg_${hash}`,
    model: settings.model,
    inputTokens: countTokens(prompt),
    outputTokens: pieces.length,
    stopReason: settings.fault === "no-finish" ? null : answer.kind === "tool" ? "tool_use" : "end_turn",
  };
  if (body.stream === true) {
    await writeStream(ctx.res, messageStreamPlan(answer, pieces, meta), settings, ctx.signal);
  } else {
    await sendAnswer(ctx.res, messageObject(answer, meta), pieces.length, settings, ctx.signal);
  }
}
