import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { APICallError } from "@ai-sdk/provider";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../kernel/app-error.ts";
import type { DirectChatEndpoint } from "../providers/model-catalog.ts";
import { TimeoutError } from "../../platform/timeout.ts";
import type { ChatPart } from "../../kernel/ai-call.ts";
import { openOpenAiCompatibleStream } from "./openai-compatible-stream.ts";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server | undefined;
const agent = new Agent({ keepAlive: true });
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** A real local server standing in for an OpenAI-compatible upstream. */
async function upstream(handler: Handler): Promise<DirectChatEndpoint> {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (piece: string) => {
      body += piece;
    });
    req.on("end", () => {
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/v1/chat/completions`), apiKey: "sk-test", agent };
}

const sse = (...events: unknown[]) =>
  events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`).join("");
const delta = (d: object, finish: string | null = null) => ({
  id: "c1",
  object: "chat.completion.chunk",
  choices: [{ index: 0, delta: d, finish_reason: finish }],
});
const usage = { id: "c1", choices: [], usage: { prompt_tokens: 7, completion_tokens: 3 } };

function stream(res: ServerResponse, text: string, end = true): void {
  res.writeHead(200, { "content-type": "text/event-stream" });
  if (end) res.end(text);
  else res.write(text);
}

async function open(endpoint: DirectChatEndpoint, options: { signal?: AbortSignal; idleMs?: number } = {}) {
  return openOpenAiCompatibleStream(
    endpoint,
    { model: "m", messages: [{ role: "user", content: "hi" }] },
    {
      signal: options.signal ?? new AbortController().signal,
      idleMs: options.idleMs ?? 5_000,
      providerId: "up",
    },
  );
}

async function readAll(s: Awaited<ReturnType<typeof open>>): Promise<{ parts: ChatPart[]; error?: unknown }> {
  const parts: ChatPart[] = [];
  try {
    for (let part = await s.next(); part !== null; part = await s.next()) parts.push(part);
    return { parts };
  } catch (error) {
    return { parts, error };
  }
}

describe("openOpenAiCompatibleStream", () => {
  it("streams text, then finishes with the usage, asking the upstream for usage with the key", async () => {
    let seen: { body: Record<string, unknown>; auth: string | undefined } | undefined;
    const endpoint = await upstream((req, res, body) => {
      seen = { body: JSON.parse(body) as Record<string, unknown>, auth: req.headers.authorization };
      stream(
        res,
        sse(
          delta({ role: "assistant", content: "" }),
          delta({ content: "Hel" }),
          delta({ content: "lo" }),
          delta({}, "stop"),
          usage,
          "[DONE]",
        ),
      );
    });
    const s = await open(endpoint);
    const { parts, error } = await readAll(s);
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: "text", delta: "Hel" },
      { type: "text", delta: "lo" },
      { type: "finish", finishReason: "stop", usage: { inputTokens: 7, outputTokens: 3 } },
    ]);
    expect(s.finished).toBe(true);
    expect(seen?.auth).toBe("Bearer sk-test");
    expect(seen?.body).toMatchObject({ model: "m", stream: true, stream_options: { include_usage: true } });
  });

  it("assembles tool calls sent in pieces, arguments before the name included", async () => {
    const endpoint = await upstream((_req, res) => {
      stream(
        res,
        sse(
          delta({ tool_calls: [{ index: 0, id: "call_a", function: { arguments: '{"ci' } }] }),
          delta({ tool_calls: [{ index: 0, function: { name: "weather", arguments: 'ty":' } }] }),
          delta({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
          delta({ tool_calls: [{ index: 1, id: "call_b", function: { name: "time", arguments: "" } }] }),
          delta({}, "tool_calls"),
          "[DONE]",
        ),
      );
    });
    const { parts, error } = await readAll(await open(endpoint));
    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: "tool-call-start", id: "call_a", name: "weather" },
      { type: "tool-call-delta", id: "call_a", delta: '{"city":' },
      { type: "tool-call-delta", id: "call_a", delta: '"Oslo"}' },
      { type: "tool-call-start", id: "call_b", name: "time" },
      { type: "tool-call", id: "call_a", name: "weather", input: '{"city":"Oslo"}' },
      { type: "tool-call", id: "call_b", name: "time", input: "{}" },
      { type: "finish", finishReason: "tool-calls", usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });

  it.each([
    ["a chunk that is not JSON", sse(delta({ content: "a" }), "{not json"), /not JSON/],
    [
      "an error object in the stream",
      sse(delta({ content: "a" }), { error: { message: "overloaded" } }),
      /overloaded/,
    ],
    ["no finish reason", sse(delta({ content: "a" }), "[DONE]"), /without a finish reason/],
  ])("delivers what came, then fails as incomplete on %s", async (_name, body, message) => {
    const endpoint = await upstream((_req, res) => {
      stream(res, body);
    });
    const s = await open(endpoint);
    const { parts, error } = await readAll(s);
    expect(parts).toEqual([{ type: "text", delta: "a" }]);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("upstream.incomplete");
    expect((error as AppError).message).toMatch(message);
    expect(s.finished).toBe(false);
  });

  it("fails as incomplete when the upstream cuts the connection mid-answer", async () => {
    const endpoint = await upstream((_req, res) => {
      stream(res, sse(delta({ content: "a" })), false);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const { parts, error } = await readAll(await open(endpoint));
    expect(parts).toEqual([{ type: "text", delta: "a" }]);
    expect((error as AppError).code).toBe("upstream.incomplete");
  });

  it("rejects a non-2xx answer as the AI SDK would, with status, headers and the upstream's message", async () => {
    const endpoint = await upstream((_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "3" });
      res.end(JSON.stringify({ error: { message: "slow down", type: "rate_limit" } }));
    });
    const error = await open(endpoint).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    const e = error as APICallError;
    expect([e.statusCode, e.message, e.isRetryable, e.responseHeaders?.["retry-after"]]).toEqual([
      429,
      "slow down",
      true,
      "3",
    ]);
    expect(e.responseBody).toContain("rate_limit");
  });

  it("rejects an unreachable upstream as a retryable call error without a status", async () => {
    const endpoint = await upstream(() => undefined);
    const url = endpoint.url;
    await new Promise<void>((resolve) =>
      server?.close(() => {
        resolve();
      }),
    );
    const error = await open({ ...endpoint, url }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect([(error as APICallError).statusCode, (error as APICallError).isRetryable]).toEqual([
      undefined,
      true,
    ]);
  });

  it("times out when the upstream goes silent, and a stop aborts the upstream request", async () => {
    let closed = 0;
    const endpoint = await upstream((req, res) => {
      req.socket.once("close", () => {
        closed++;
      });
      stream(res, sse(delta({ content: "a" })), false);
    });
    const { parts, error } = await readAll(await open(endpoint, { idleMs: 100 }));
    expect(parts).toEqual([{ type: "text", delta: "a" }]);
    expect(error).toBeInstanceOf(TimeoutError);

    const stop = new AbortController();
    const s = await open(endpoint, { signal: stop.signal });
    expect(await s.next()).toEqual({ type: "text", delta: "a" });
    const pending = s.next();
    stop.abort();
    await expect(pending).rejects.toBeDefined();
    await expect.poll(() => closed).toBe(2);
  });
});
