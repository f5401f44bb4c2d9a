import { answerText } from "./citing.ts";
import { playEarlyFault } from "./faults.ts";
import { sendError, sendJson } from "./http.ts";
import {
  CREATED,
  chatAnswer,
  chatCompletion,
  chatPromptTokens,
  chatStreamPlan,
  streamedText,
  type ChatMeta,
} from "./openai-chat.ts";
import { settingsFor, type RouteContext } from "./route-context.ts";
import { sendAnswer, writeStream } from "./stream-writer.ts";
import { countTokens, embed, hashHex, isRecord, splitText, toBase64 } from "./text.ts";

/** Answers 401 unless the request carries `Authorization: Bearer <apiKey>` (when one is configured). */
function authorised(ctx: RouteContext): boolean {
  const key = ctx.behaviour.apiKey;
  if (key === undefined || ctx.req.headers.authorization === `Bearer ${key}`) return true;
  sendError(ctx.res, "openai", "authentication", "Incorrect API key provided.");
  return false;
}

function modelObject(id: string) {
  return { id, object: "model", created: CREATED, owned_by: "parley-fake" };
}

/** `GET /v1/models`: the configured models in OpenAI's list shape. */
export function listModels(ctx: RouteContext): void {
  if (!authorised(ctx)) return;
  sendJson(ctx.res, 200, { object: "list", data: ctx.behaviour.models.map(modelObject) });
}

/** `GET /v1/models/{id}`: one model, or 404 `model_not_found`. */
export function getModel(ctx: RouteContext, id: string): void {
  if (!authorised(ctx)) return;
  if (ctx.behaviour.models.includes(id)) sendJson(ctx.res, 200, modelObject(id));
  else
    sendError(
      ctx.res,
      "openai",
      "not_found",
      `The model \`${id}\` does not exist or you do not have access to it.`,
    );
}

/** `POST /v1/chat/completions`, streamed (`stream: true`) or not. */
export async function chatCompletions(ctx: RouteContext): Promise<void> {
  if (!authorised(ctx)) return;
  const messages = ctx.body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    sendError(ctx.res, "openai", "invalid_request", "'messages' must be a non-empty array.", "messages");
    return;
  }
  const settings = settingsFor(ctx, "openai");
  if (!settings || (await playEarlyFault(ctx.res, "openai", settings.fault))) return;
  const hash = hashHex(ctx.raw);
  const text = answerText(ctx.body, ctx.behaviour, settings);
  const answer =
    settings.reply === "plain"
      ? ({ kind: "text", content: text } as const)
      : chatAnswer(ctx.body, text, hash);
  const pieces = splitText(streamedText(answer), settings.chunks);
  const meta: ChatMeta = {
    id: `chatcmpl-${hash}`,
    model: settings.model,
    promptTokens: chatPromptTokens(messages),
    finish: settings.fault !== "no-finish",
  };
  if (ctx.body.stream === true) {
    const options = ctx.body.stream_options;
    const includeUsage = isRecord(options) && options.include_usage === true;
    await writeStream(ctx.res, chatStreamPlan(answer, pieces, meta, includeUsage), settings, ctx.signal);
  } else {
    await sendAnswer(
      ctx.res,
      chatCompletion(answer, pieces.length, meta),
      pieces.length,
      settings,
      ctx.signal,
    );
  }
}

/** The inputs of an embeddings request as strings to hash, with their token counts; undefined if invalid. */
function embeddingInputs(input: unknown): { text: string; tokens: number }[] | undefined {
  const isTokens = (value: unknown): value is number[] =>
    Array.isArray(value) && value.length > 0 && value.every((n) => typeof n === "number");
  if (typeof input === "string") return [{ text: input, tokens: countTokens(input) }];
  if (isTokens(input)) return [{ text: input.join(" "), tokens: input.length }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  const inputs: { text: string; tokens: number }[] = [];
  for (const item of input as unknown[]) {
    if (typeof item === "string") inputs.push({ text: item, tokens: countTokens(item) });
    else if (isTokens(item)) inputs.push({ text: item.join(" "), tokens: item.length });
    else return undefined;
  }
  return inputs;
}

/**
 * `POST /v1/embeddings`: one deterministic unit vector per input, a hashed bag of its words (so
 * texts sharing words are close), `embeddingDimensions` long (or the model's `dims` directive, or
 * the request's `dimensions`), as floats or, with `encoding_format: "base64"`, little-endian float32.
 */
export async function embeddings(ctx: RouteContext): Promise<void> {
  if (!authorised(ctx)) return;
  const inputs = embeddingInputs(ctx.body.input);
  if (!inputs) {
    sendError(
      ctx.res,
      "openai",
      "invalid_request",
      "'input' must be a string or a non-empty array.",
      "input",
    );
    return;
  }
  const settings = settingsFor(ctx, "openai");
  if (!settings || (await playEarlyFault(ctx.res, "openai", settings.fault))) return;
  const requested = ctx.body.dimensions;
  const dimensions =
    typeof requested === "number" && Number.isInteger(requested) && requested > 0
      ? requested
      : settings.dimensions;
  const base64 = ctx.body.encoding_format === "base64";
  const data = inputs.map((input, index) => {
    const vector = embed(input.text, dimensions);
    return { object: "embedding", index, embedding: base64 ? toBase64(vector) : vector };
  });
  const tokens = inputs.reduce((sum, input) => sum + input.tokens, 0);
  const body = {
    object: "list",
    data,
    model: settings.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
  await sendAnswer(ctx.res, body, 1, settings, ctx.signal);
}
