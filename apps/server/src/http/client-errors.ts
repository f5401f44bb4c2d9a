import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { ErrorEnvelope } from "@parley/contracts";
import { httpErrors } from "./http.errors.ts";

/** What the HTTP parser's errors (before any request object exists) answer. */
const PARSER_ERRORS: Record<string, { code: keyof typeof httpErrors; message: string } | undefined> = {
  HPE_HEADER_OVERFLOW: {
    code: "request.headers_too_large",
    message: "The request line and headers are larger than allowed (16 KiB)",
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: "request.timeout",
    message: "The request was not received in time",
  },
};
const MALFORMED = { code: "request.invalid" as const, message: "Malformed HTTP request" };

/**
 * Answers an error of Node's HTTP parser (`clientError`: oversize headers or URL, malformed
 * request, request timeout) the way every other error is answered: the JSON envelope with a
 * stable code and the security headers, written to the socket, which is then closed. A reset
 * or already closed connection gets nothing.
 * @example
 * Fastify({ clientErrorHandler: (err, socket) => answerClientError(err, socket, headers) });
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Duplex,
  securityHeaders: Readonly<Record<string, string>>,
): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  // Writing to a connection whose response has begun would corrupt it (as Node's own handler
  // avoids): then it is only closed.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) {
    const { code, message } = (error.code ? PARSER_ERRORS[error.code] : undefined) ?? MALFORMED;
    const { status } = httpErrors[code];
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorEnvelope);
    const headers = {
      ...securityHeaders,
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      connection: "close",
    };
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n${head}\r\n${body}`);
  }
  socket.destroy(error);
}
