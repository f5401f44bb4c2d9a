import type { ClientRequest, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { mapOpenAICompatibleFinishReason } from "@ai-sdk/openai-compatible/internal";
import { APICallError } from "@ai-sdk/provider";
import { createParser, type EventSourceParser } from "eventsource-parser";
import { AppError } from "../../kernel/app-error.ts";
import { TimeoutError } from "../../platform/timeout.ts";
import type { DirectChatEndpoint } from "../providers/index.ts";
import type { ChatPart, FinishReason } from "../../kernel/ai-call.ts";
import type { PartStream } from "./provider-stream.ts";
import { openAiErrorMessage } from "./upstream-errors.ts";

/** Parts waiting to be read before the upstream response is paused (backpressure). */
const HIGH_WATER_PARTS = 1_024;
/** Most of an error body kept for the error message. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Streams one chat completion from an OpenAI-compatible server over a pooled connection,
 * reading its server-sent events as they arrive: each network read is parsed in one go
 * (`eventsource-parser`, `JSON.parse`) into `ChatPart`s. This is the gateway's hot path; it does
 * what the AI SDK's stream does for this API without its per-chunk schema validation and web
 * stream hops (ADR 0010). The request body comes from the AI SDK model (`prepareRequest`), so
 * prompts, tools and options are converted exactly as on the SDK path.
 *
 * Resolves once the response headers arrived.
 * @throws APICallError for a non-2xx answer or an unreachable server, as the AI SDK would.
 * @example
 * const stream = await openOpenAiCompatibleStream(endpoint, body, { signal, idleMs: 60_000, providerId: "local" });
 * for (let part; (part = await stream.next()) !== null; ) console.log(part);
 */
export function openOpenAiCompatibleStream(
  endpoint: DirectChatEndpoint,
  body: Record<string, unknown>,
  options: { signal: AbortSignal; idleMs: number; providerId: string },
): Promise<PartStream> {
  const url = endpoint.url.href;
  const requestBodyValues = { ...body, stream: true, stream_options: { include_usage: true } };
  const payload = JSON.stringify(requestBodyValues);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream",
    "content-length": String(Buffer.byteLength(payload)),
  };
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  const send = endpoint.url.protocol === "https:" ? httpsRequest : httpRequest;
  const abortReason = () =>
    options.signal.reason instanceof Error ? options.signal.reason : new Error("The call was aborted");
  return new Promise<PartStream>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(abortReason());
      return;
    }
    const req = send(endpoint.url, { method: "POST", headers, agent: endpoint.agent });
    const onAbort = () => {
      req.destroy(abortReason());
    };
    options.signal.addEventListener("abort", onAbort, { once: true });
    const forgetAbort = () => {
      options.signal.removeEventListener("abort", onAbort);
    };
    req.once("error", (error) => {
      forgetAbort();
      reject(
        options.signal.aborted
          ? abortReason()
          : new APICallError({
              message: `Cannot connect to API: ${error.message}`,
              url,
              requestBodyValues,
              cause: error,
              isRetryable: true,
            }),
      );
    });
    req.once("response", (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(new SsePartStream(req, res, { ...options, forgetAbort }));
        return;
      }
      readErrorBody(res).then(
        (responseBody) => {
          forgetAbort();
          reject(
            new APICallError({
              message: openAiErrorMessage(responseBody) ?? res.statusMessage ?? `HTTP ${status}`,
              url,
              requestBodyValues,
              statusCode: status,
              responseHeaders: flatHeaders(res),
              responseBody,
              isRetryable: status === 408 || status === 409 || status === 429 || status >= 500,
            }),
          );
        },
        (error: unknown) => {
          forgetAbort();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    req.end(payload);
  });
}

interface ToolCallState {
  id: string;
  name: string | null;
  arguments: string;
  started: boolean;
}

/** The parts of one streamed answer, queued as the upstream's events are parsed. */
class SsePartStream implements PartStream {
  readonly #req: ClientRequest;
  readonly #res: IncomingMessage;
  readonly #idleMs: number;
  readonly #providerId: string;
  readonly #forgetAbort: () => void;
  readonly #parser: EventSourceParser;
  readonly #parts: ChatPart[] = [];
  #read = 0;
  #failure: Error | undefined;
  #ended = false;
  #finished = false;
  #paused = false;
  #wake: (() => void) | null = null;
  // What the events said so far.
  #finishRaw: string | undefined;
  #inputTokens = 0;
  #outputTokens = 0;
  readonly #tools = new Map<number, ToolCallState>();

  constructor(
    req: ClientRequest,
    res: IncomingMessage,
    options: { idleMs: number; providerId: string; forgetAbort: () => void },
  ) {
    this.#req = req;
    this.#res = res;
    this.#idleMs = options.idleMs;
    this.#providerId = options.providerId;
    this.#forgetAbort = options.forgetAbort;
    this.#parser = createParser({
      onEvent: (event) => {
        this.#onData(event.data);
      },
    });
    res.setEncoding("utf8");
    res.on("data", (text: string) => {
      this.#parser.feed(text);
      this.#notify();
    });
    res.once("end", () => {
      this.#complete();
      this.#notify();
    });
    res.once("error", (error) => {
      this.#fail(this.#brokeOff(error.message, error));
    });
    res.once("close", () => {
      if (!this.#ended) this.#fail(this.#brokeOff("the connection closed mid-answer"));
    });
  }

  get finished(): boolean {
    return this.#finished;
  }

  next(): Promise<ChatPart | null> {
    if (this.#read < this.#parts.length) {
      const part = this.#parts[this.#read++] as ChatPart;
      if (this.#read === this.#parts.length) {
        this.#parts.length = 0;
        this.#read = 0;
        if (this.#paused) {
          this.#paused = false;
          this.#res.resume();
        }
      }
      return Promise.resolve(part);
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve(null);
    return new Promise<ChatPart | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new TimeoutError(`provider ${this.#providerId} sent nothing for ${this.#idleMs} ms`));
      }, this.#idleMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        this.next().then(resolve, reject);
      };
    });
  }

  cancel(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#req.destroy();
    }
    this.#forgetAbort();
    return Promise.resolve();
  }

  #notify(): void {
    if (!this.#paused && !this.#ended && this.#parts.length - this.#read > HIGH_WATER_PARTS) {
      this.#paused = true;
      this.#res.pause();
    }
    this.#wake?.();
  }

  #fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = error;
    this.#forgetAbort();
    this.#req.destroy();
    this.#wake?.();
  }

  #brokeOff(reason: string, cause?: unknown): AppError {
    return new AppError(
      "upstream.incomplete",
      `Provider ${this.#providerId} broke off the answer: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  }

  /** One server-sent event: a JSON chunk, or `[DONE]`. */
  #onData(data: string): void {
    if (this.#ended) return;
    if (data === "[DONE]") {
      this.#complete();
      return;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch (error) {
      this.#fail(this.#brokeOff("it sent a chunk that is not JSON", error));
      return;
    }
    if (!isObject(chunk)) {
      this.#fail(this.#brokeOff("it sent a chunk that is not an object"));
      return;
    }
    if (chunk.error !== undefined && chunk.error !== null) {
      const message =
        isObject(chunk.error) && typeof chunk.error.message === "string" ? chunk.error.message : "an error";
      this.#fail(this.#brokeOff(`it reported ${message}`));
      return;
    }
    if (isObject(chunk.usage)) {
      this.#inputTokens = count(chunk.usage.prompt_tokens);
      this.#outputTokens = count(chunk.usage.completion_tokens);
    }
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as unknown) : undefined;
    if (!isObject(choice)) return;
    const delta = choice.delta;
    if (isObject(delta)) {
      if (typeof delta.content === "string" && delta.content !== "")
        this.#parts.push({ type: "text", delta: delta.content });
      if (Array.isArray(delta.tool_calls))
        for (const call of delta.tool_calls as unknown[]) this.#onToolDelta(call);
    }
    if (typeof choice.finish_reason === "string") this.#finishRaw = choice.finish_reason;
  }

  /**
   * A tool call arrives in pieces keyed by `index`: its id and name first (some servers send
   * arguments before the name), then argument text.
   */
  #onToolDelta(call: unknown): void {
    if (!isObject(call)) return;
    const index = typeof call.index === "number" ? call.index : this.#tools.size;
    let state = this.#tools.get(index);
    if (!state) {
      state = { id: "", name: null, arguments: "", started: false };
      this.#tools.set(index, state);
    }
    if (typeof call.id === "string" && call.id && !state.id) state.id = call.id;
    const fn = isObject(call.function) ? call.function : {};
    if (typeof fn.name === "string" && fn.name && state.name === null) state.name = fn.name;
    const args = typeof fn.arguments === "string" ? fn.arguments : "";
    if (!state.started) {
      state.arguments += args;
      if (state.name === null) return;
      state.started = true;
      state.id ||= `call_${index}_${Date.now().toString(36)}`;
      this.#parts.push({ type: "tool-call-start", id: state.id, name: state.name });
      if (state.arguments)
        this.#parts.push({ type: "tool-call-delta", id: state.id, delta: state.arguments });
      return;
    }
    if (args) {
      state.arguments += args;
      this.#parts.push({ type: "tool-call-delta", id: state.id, delta: args });
    }
  }

  /** The stream ended (`[DONE]` or end of body): close open tool calls, then finish or fail. */
  #complete(): void {
    if (this.#ended) return;
    for (const state of this.#tools.values()) {
      if (state.name === null) continue;
      this.#parts.push({ type: "tool-call", id: state.id, name: state.name, input: state.arguments || "{}" });
    }
    this.#tools.clear();
    const unified = mapOpenAICompatibleFinishReason(this.#finishRaw);
    // A stream whose upstream never said why it finished, or said "error", was cut.
    if (this.#finishRaw === undefined || unified === "error" || unified === "interrupted") {
      this.#fail(
        new AppError(
          "upstream.incomplete",
          `Provider ${this.#providerId} ended the answer without a finish reason (${this.#finishRaw ?? "none"})`,
        ),
      );
      return;
    }
    const finishReason: FinishReason = unified;
    this.#parts.push({
      type: "finish",
      finishReason,
      usage: { inputTokens: this.#inputTokens, outputTokens: this.#outputTokens },
    });
    this.#finished = true;
    this.#ended = true;
    this.#forgetAbort();
    // The body may still hold the final `[DONE]`'s line end; the connection goes back to the pool.
    this.#res.resume();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function readErrorBody(res: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject: (error: Error) => void) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (piece: string) => {
      if (text.length < MAX_ERROR_BODY) text += piece;
    });
    res.once("end", () => {
      resolve(text.slice(0, MAX_ERROR_BODY));
    });
    res.once("error", reject);
  });
}
