import { randomUUID } from "node:crypto";
import { batchedWriter } from "../../http/batched-writer.ts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { answerSources, type AiPipeline } from "../ai/index.ts";
import type { ChatPart, FinishReason, TokenUsage } from "../ai/index.ts";
import type { ErrorCatalog } from "../../kernel/define-errors.ts";
import type { PersonaRef } from "../../kernel/ai-call.ts";
import { contextOf } from "../../http/request-context.ts";
import type { ChatCompletionRequest } from "./openai.schemas.ts";
import { toOpenAiError } from "./openai-errors.ts";
import { toFinishReason, toOpenAiSource, toOptions, toPrompt } from "./openai-translate.ts";

interface ToolCallState {
  index: number;
  id: string;
  name: string;
  arguments: string;
}

/** Where a completion goes: a model, an assistant (`assistant/<slug>`) or a persona version, with its model. */
export interface CompletionTarget {
  model: string;
  assistantId?: string;
  persona?: PersonaRef;
  /** The assistant's or persona's team: the call is made for and metered to it. */
  teamId?: string | null;
  /** The model id the answer names (the assistant's, as the client asked for it). */
  shownModel?: string;
}

/** Serves one `POST /v1/chat/completions`, streaming or not; `errors` words a failure in the stream. */
export async function chatCompletion(
  { pipeline, errors }: { pipeline: AiPipeline; errors: ErrorCatalog },
  body: ChatCompletionRequest,
  target: CompletionTarget,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  // Closing the connection cancels the upstream call: for this API that is what clients expect.
  const controller = new AbortController();
  // (The response's "close", not the request's: a request "closes" once its body is read.)
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  const run = await pipeline.streamChat(
    {
      surface: "gateway",
      model: target.model,
      ...(target.assistantId ? { assistantId: target.assistantId, teamId: target.teamId ?? null } : {}),
      ...(target.persona ? { persona: target.persona, teamId: target.teamId ?? null } : {}),
      prompt: toPrompt(body.messages),
      options: toOptions(body),
      delivery: body.stream === true ? "stream" : "whole",
      signal: controller.signal,
    },
    contextOf(request),
  );
  // randomUUID draws from a buffered pool; randomBytes made a system call per request.
  const id = `chatcmpl-${randomUUID().replaceAll("-", "")}`;
  const created = Math.floor(Date.now() / 1000);
  const model = target.shownModel ?? run.model.id;
  // Not part of OpenAI's API, and ignored by its clients: the knowledge passages an assistant's
  // answer was given with, on the completion and on the first chunk of a stream (ADR 0022).
  const sources = run.sources.length ? answerSources(run.sources).map(toOpenAiSource) : null;
  const tools = new Map<string, ToolCallState>();
  const toolDelta = (part: ChatPart): object | null => {
    switch (part.type) {
      case "tool-call-start": {
        const state = { index: tools.size, id: part.id, name: part.name, arguments: "" };
        tools.set(part.id, state);
        return {
          tool_calls: [
            {
              index: state.index,
              id: part.id,
              type: "function",
              function: { name: part.name, arguments: "" },
            },
          ],
        };
      }
      case "tool-call-delta": {
        const state = tools.get(part.id);
        if (!state) return null;
        state.arguments += part.delta;
        return { tool_calls: [{ index: state.index, function: { arguments: part.delta } }] };
      }
      case "tool-call": {
        const state = tools.get(part.id);
        if (state) {
          // Already streamed as deltas; keep the complete arguments for the non-streaming answer.
          state.arguments = part.input;
          return null;
        }
        const fresh = { index: tools.size, id: part.id, name: part.name, arguments: part.input };
        tools.set(part.id, fresh);
        return {
          tool_calls: [
            {
              index: fresh.index,
              id: part.id,
              type: "function",
              function: { name: part.name, arguments: part.input },
            },
          ],
        };
      }
      default:
        return null;
    }
  };

  if (body.stream !== true) {
    let content = "";
    let finish: FinishReason = "stop";
    let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    for await (const part of run.parts) {
      if (part.type === "text") content += part.delta;
      else if (part.type === "finish") {
        finish = part.finishReason;
        usage = part.usage;
      } else toolDelta(part);
    }
    const toolCalls = [...tools.values()].map((t) => ({
      id: t.id,
      type: "function",
      function: { name: t.name, arguments: t.arguments },
    }));
    return reply.header("x-parley-model", model).send({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: toolCalls.length > 0 && !content ? null : content,
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
            refusal: null,
          },
          finish_reason: toFinishReason(finish),
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: usage.inputTokens,
        completion_tokens: usage.outputTokens,
        total_tokens: usage.inputTokens + usage.outputTokens,
      },
      ...(sources ? { parley_sources: sources } : {}),
    });
  }

  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": request.id,
    "x-parley-model": model,
  });
  const out = batchedWriter(raw);
  const prefix = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":`;
  const chunk = (delta: object | string, finish: string | null = null) =>
    `data: ${prefix}${typeof delta === "string" ? delta : JSON.stringify(delta)},"finish_reason":${finish === null ? "null" : `"${finish}"`}}]}\n\n`;
  out.write(
    sources
      ? `data: ${JSON.stringify({
          id,
          object: "chat.completion.chunk",
          created,
          model,
          parley_sources: sources,
          choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
        })}\n\n`
      : chunk('{"role":"assistant","content":""}'),
  );
  let first = true;
  try {
    for await (const part of run.parts) {
      if (controller.signal.aborted) break;
      if (part.type === "text") {
        // The first token goes out at once (time to first token); later ones are batched.
        const text = chunk(`{"content":${JSON.stringify(part.delta)}}`);
        if (first) out.writeNow(text);
        else out.write(text);
        first = false;
      } else if (part.type === "finish") {
        out.write(chunk("{}", toFinishReason(part.finishReason)));
        if (body.stream_options?.include_usage) {
          const u = part.usage;
          out.write(
            `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[],"usage":{"prompt_tokens":${u.inputTokens},"completion_tokens":${u.outputTokens},"total_tokens":${u.inputTokens + u.outputTokens}}}\n\n`,
          );
        }
      } else {
        const delta = toolDelta(part);
        if (delta) out.write(chunk(delta));
      }
    }
    if (!controller.signal.aborted) out.write("data: [DONE]\n\n");
  } catch (error) {
    // After the first token nothing is retried: the client learns the answer failed, and no
    // [DONE] pretends otherwise.
    if (!controller.signal.aborted)
      out.write(`data: ${JSON.stringify(toOpenAiError(error, request.id, errors).body)}\n\n`);
  } finally {
    out.end();
  }
  return reply;
}
