import type { ErrorCode, ErrorEnvelope, ValidationIssue } from "@parley/contracts";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError } from "../kernel/app-error.ts";

/** The one table deciding which HTTP status each error code gets. */
export const errorStatus: Record<ErrorCode, number> = {
  "validation.failed": 400,
  "request.malformed_json": 400,
  "request.invalid": 400,
  "request.body_too_large": 413,
  "request.unsupported_media_type": 415,
  "request.bad_url": 400,
  "request.uri_too_long": 414,
  "request.headers_too_large": 431,
  "request.timeout": 408,
  "auth.required": 401,
  "auth.forbidden": 403,
  "auth.invalid_credentials": 401,
  "auth.invalid_token": 401,
  "auth.locked": 429,
  "auth.csrf_failed": 403,
  "auth.sso_failed": 400,
  "user.email_taken": 409,
  "user.weak_password": 400,
  "team.slug_taken": 409,
  "invitation.invalid": 404,
  "api_key.permission_not_held": 403,
  "audit.cursor_invalid": 400,
  "route.not_found": 404,
  "resource.not_found": 404,
  "route.method_not_allowed": 405,
  "resource.conflict": 409,
  "rate_limit.exceeded": 429,
  "model.not_found": 404,
  "provider.not_found": 404,
  "provider.disabled": 409,
  "provider.unavailable": 503,
  "prompt.too_large": 400,
  "governance.blocked": 403,
  "upstream.rate_limited": 429,
  "upstream.error": 502,
  "upstream.timeout": 504,
  "upstream.incomplete": 502,
  "server.internal": 500,
  "server.unavailable": 503,
  "server.shutting_down": 503,
  "worker.lost": 503,
};

/** What the edge answers for an error, and how loudly it is logged. */
export interface PresentedError {
  status: number;
  body: ErrorEnvelope;
  headers: Record<string, string>;
  /** `error` for bugs (5xx): logged with stack; `info` for client mistakes. */
  logLevel: "error" | "info";
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

const fastifyCodes: Record<string, { code: ErrorCode; message: string } | undefined> = {
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
 * Turns anything thrown while serving a request into the JSON error envelope. Expected errors
 * keep their message; unexpected ones answer a generic 500 and are logged in full.
 */
export function presentError(error: unknown, requestId: string): PresentedError {
  const envelope = (code: ErrorCode, message: string, details?: unknown): ErrorEnvelope => ({
    error: details === undefined ? { code, message, requestId } : { code, message, details, requestId },
  });
  if (error instanceof AppError) {
    const status = errorStatus[error.code];
    return {
      status,
      body: envelope(error.code, error.message, error.details),
      headers: error.headers,
      logLevel: status >= 500 ? "error" : "info",
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
      status: errorStatus[known.code],
      body: envelope(known.code, known.message),
      headers: {},
      logLevel: "info",
    };
  }
  const statusCode = fastifyError.statusCode ?? 500;
  if (statusCode === 503) {
    return {
      status: 503,
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
  return {
    status: 500,
    body: envelope("server.internal", "Internal error; the request id identifies it in the server logs"),
    headers: {},
    logLevel: "error",
  };
}
