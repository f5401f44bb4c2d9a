import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

/** Which provider's wire format a route speaks, for error bodies. */
export type Protocol = "openai" | "anthropic";

/** The errors the fake upstream answers, each mapped to a status and both providers' shapes here only. */
export type ErrorKind =
  "invalid_request" | "authentication" | "not_found" | "unknown_url" | "rate_limit" | "server_error";

const ERRORS: Record<
  ErrorKind,
  { status: number; openaiType: string; openaiCode: string | null; anthropicType: string }
> = {
  invalid_request: {
    status: 400,
    openaiType: "invalid_request_error",
    openaiCode: null,
    anthropicType: "invalid_request_error",
  },
  authentication: {
    status: 401,
    openaiType: "invalid_request_error",
    openaiCode: "invalid_api_key",
    anthropicType: "authentication_error",
  },
  not_found: {
    status: 404,
    openaiType: "invalid_request_error",
    openaiCode: "model_not_found",
    anthropicType: "not_found_error",
  },
  unknown_url: {
    status: 404,
    openaiType: "invalid_request_error",
    openaiCode: "unknown_url",
    anthropicType: "not_found_error",
  },
  rate_limit: {
    status: 429,
    openaiType: "requests",
    openaiCode: "rate_limit_exceeded",
    anthropicType: "rate_limit_error",
  },
  server_error: { status: 500, openaiType: "server_error", openaiCode: null, anthropicType: "api_error" },
};

/** Headers of every event-stream response. */
export const SSE_HEADERS: OutgoingHttpHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

/** Largest request body accepted; a fake has no business reading more. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Reads the whole request body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RangeError("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Sends `body` as a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Sends an error in the provider's shape: OpenAI `{ error: { message, type, param, code } }` or
 * Anthropic `{ type: "error", error: { type, message } }`. Rate limits carry `retry-after: 1`.
 * @example
 * sendError(res, "openai", "not_found", "The model `x` does not exist.");
 */
export function sendError(
  res: ServerResponse,
  protocol: Protocol,
  kind: ErrorKind,
  message: string,
  param: string | null = null,
): void {
  const error = ERRORS[kind];
  const headers: OutgoingHttpHeaders = kind === "rate_limit" ? { "retry-after": "1" } : {};
  const body =
    protocol === "openai"
      ? { error: { message, type: error.openaiType, param, code: error.openaiCode } }
      : { type: "error", error: { type: error.anthropicType, message } };
  sendJson(res, error.status, body, headers);
}
