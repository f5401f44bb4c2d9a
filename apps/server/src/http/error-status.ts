import type { ErrorCode, ErrorEnvelope, ValidationIssue } from "@parley/contracts";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError } from "../kernel/app-error.ts";
import { HIDDEN_MESSAGE, type ErrorCatalog } from "../kernel/define-errors.ts";
import { httpErrors } from "./http.errors.ts";

/** What the edge answers for an error, and how loudly it is logged. */
export interface PresentedError {
  status: number;
  body: ErrorEnvelope;
  headers: Record<string, string>;
  /**
   * `error` for bugs (an unexpected error, a code whose message is hidden): logged with the
   * error, its cause and stack; `warn` for expected operational failures (a declared, shown 5xx:
   * a provider down, a breaker open, a timeout), logged with code and message only; `info` for
   * client mistakes.
   */
  logLevel: "error" | "warn" | "info";
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

type HttpCode = keyof typeof httpErrors;

const fastifyCodes: Record<string, { code: HttpCode; message: string } | undefined> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: "request.body_too_large",
    message: "Request body is larger than allowed",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "request.unsupported_media_type",
    message: "Unsupported Content-Type: send application/json",
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: "request.malformed_json",
    message: "Request body is not valid JSON",
  },
  FST_ERR_BAD_URL: {
    code: "request.bad_url",
    message: "The URL is not valid (bad percent-encoding)",
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: "request.uri_too_long",
    message: "A path segment of the URL is longer than allowed",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: "request.malformed_json",
    message: "Request body is empty but Content-Type is application/json",
  },
};

/**
 * Turns anything thrown while serving a request into the JSON error envelope, with the status
 * and visibility `errors` (the merged table of `app/errors.ts`) gives the code. An `AppError`
 * keeps its message when its code is exposed; otherwise, and for anything unexpected, the client
 * reads a generic message and the error is logged in full.
 * @example
 * const { status, body } = presentError(new AppError("model.not_found", "No model x"), id, errors);
 */
export function presentError(error: unknown, requestId: string, errors: ErrorCatalog): PresentedError {
  const envelope = (code: ErrorCode, message: string, details?: unknown): ErrorEnvelope => ({
    error: details === undefined ? { code, message, requestId } : { code, message, details, requestId },
  });
  if (error instanceof AppError) {
    const { status, expose, message } = errors[error.code];
    return {
      status,
      body: expose
        ? envelope(error.code, error.message, error.details)
        : envelope(error.code, message ?? HIDDEN_MESSAGE),
      headers: error.headers,
      logLevel: !expose ? "error" : status >= 500 ? "warn" : "info",
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const location = (error.validationContext ?? "body") as ValidationIssue["location"];
    const issues: ValidationIssue[] = error.validation.map((v) => ({
      location,
      path: v.instancePath.replace(/^\//, "").replaceAll("/", "."),
      message: v.message ?? "is invalid",
    }));
    const first = issues[0];
    const summary = first ? `${location}${first.path ? `.${first.path}` : ""}: ${first.message}` : location;
    return {
      status: 400,
      body: envelope("validation.failed", `Invalid request ${summary}`, { issues }),
      headers: {},
      logLevel: "info",
    };
  }
  const fastifyError = (typeof error === "object" && error !== null ? error : {}) as FastifyLikeError;
  const known = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined;
  if (known) {
    return {
      status: httpErrors[known.code].status,
      body: envelope(known.code, known.message),
      headers: {},
      logLevel: "info",
    };
  }
  const statusCode = fastifyError.statusCode ?? 500;
  if (statusCode === 503) {
    return {
      status: httpErrors["server.shutting_down"].status,
      body: envelope("server.shutting_down", "This server is shutting down; retry on another"),
      headers: { connection: "close", "retry-after": "1" },
      logLevel: "info",
    };
  }
  if (statusCode >= 400 && statusCode < 500) {
    return {
      status: statusCode === 413 || statusCode === 415 ? statusCode : 400,
      body: envelope("request.invalid", fastifyError.message ?? "Invalid request"),
      headers: {},
      logLevel: "info",
    };
  }
  const internal = errors["server.internal"];
  return {
    status: internal.status,
    body: envelope("server.internal", internal.message ?? HIDDEN_MESSAGE),
    headers: {},
    logLevel: "error",
  };
}
