import type { FastifyReply, FastifyRequest } from "fastify";
import { presentError } from "../../http/error-status.ts";
import type { ErrorCatalog } from "../../kernel/define-errors.ts";
import type { OpenAiError } from "./openai.schemas.ts";

/** OpenAI's error `type` for an HTTP status. */
function typeFor(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  // A budget or balance ran out (`budget.exceeded`): OpenAI's word for it.
  if (status === 402) return "insufficient_quota";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/**
 * Any error thrown on `/v1` → OpenAI's shape `{error: {message, type, param, code}}`, keeping
 * Parley's stable code in `code` so clients can still switch on it.
 */
export function toOpenAiError(
  error: unknown,
  requestId: string,
  errors: ErrorCatalog,
): {
  status: number;
  headers: Record<string, string>;
  body: OpenAiError;
  logLevel: "error" | "warn" | "info";
} {
  const presented = presentError(error, requestId, errors);
  const details = presented.body.error.details as { issues?: { path: string }[] } | undefined;
  return {
    status: presented.status,
    headers: presented.headers,
    logLevel: presented.logLevel,
    body: {
      error: {
        message: presented.body.error.message,
        type: typeFor(presented.status),
        param: details?.issues?.[0]?.path || null,
        code: presented.body.error.code,
      },
    },
  };
}

/** The `/v1` scope's error handler, answering from the error table `errors`. */
export async function sendOpenAiError(
  errors: ErrorCatalog,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const answer = toOpenAiError(error, request.id, errors);
  const { code, message } = answer.body.error;
  if (answer.logLevel === "error") request.log.error({ err: error }, "gateway request failed");
  else if (answer.logLevel === "warn") request.log.warn({ code, status: answer.status }, message);
  else request.log.info({ code }, message);
  await reply.code(answer.status).headers(answer.headers).send(answer.body);
}
