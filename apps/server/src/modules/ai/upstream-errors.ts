import { APICallError } from "@ai-sdk/provider";
import { AppError } from "../../kernel/app-error.ts";
import { TimeoutError } from "../../platform/timeout.ts";

/** How the pipeline should react to a failed upstream attempt. */
export interface Classified {
  /** Worth another attempt (connection error, 429, 5xx, timeout) before the first token. */
  retryable: boolean;
  /** Delay the upstream asked for (Retry-After), in ms. */
  retryAfterMs: number | null;
  /** The error to surface when no attempt is left. */
  error: AppError;
}

/** Maps an upstream failure to a stable error and a retry decision. */
export function classifyUpstreamError(error: unknown, providerId: string): Classified {
  // Before the first token an incomplete stream delivered nothing: another attempt may succeed.
  // (After it, the pipeline never retries, whatever this says.)
  if (error instanceof AppError)
    return { retryable: error.code === "upstream.incomplete", retryAfterMs: null, error };
  if (error instanceof TimeoutError) {
    return {
      retryable: true,
      retryAfterMs: null,
      error: new AppError("upstream.timeout", `Provider ${providerId} did not answer in time`, {
        cause: error,
      }),
    };
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode ?? 0;
    const retryAfter = parseRetryAfter(error.responseHeaders?.["retry-after"]);
    if (status === 429) {
      return {
        retryable: true,
        retryAfterMs: retryAfter,
        error: new AppError("upstream.rate_limited", `Provider ${providerId} is rate limiting requests`, {
          cause: error,
          ...(retryAfter ? { headers: { "retry-after": String(Math.ceil(retryAfter / 1000)) } } : {}),
        }),
      };
    }
    // A successful status whose body broke off while being read: the stream was cut.
    if (status >= 200 && status < 300) {
      return {
        retryable: true,
        retryAfterMs: null,
        error: new AppError(
          "upstream.incomplete",
          `Provider ${providerId}'s stream broke off before the answer was complete`,
          { cause: error },
        ),
      };
    }
    if (status >= 500 || status === 0 || status === 408) {
      return {
        retryable: true,
        retryAfterMs: retryAfter,
        // No status: the request never got an answer (refused, reset): the provider is down.
        error: new AppError(
          "upstream.error",
          status ? `Provider ${providerId} failed (${status})` : `Could not reach provider ${providerId}`,
          { cause: error },
        ),
      };
    }
    // A 4xx other than 429: the request itself is wrong for this upstream; retrying cannot help.
    return {
      retryable: false,
      retryAfterMs: null,
      error: new AppError(
        "upstream.error",
        `Provider ${providerId} rejected the request (${status}): ${upstreamMessage(error)}`,
        {
          cause: error,
          details: { upstreamStatus: status },
        },
      ),
    };
  }
  // Network failures (refused, reset, DNS) surface as TypeError("fetch failed") with a cause.
  return {
    retryable: true,
    retryAfterMs: null,
    error: new AppError("upstream.error", `Could not reach provider ${providerId}`, { cause: error }),
  };
}

function parseRetryAfter(value: string | undefined): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function upstreamMessage(error: APICallError): string {
  return openAiErrorMessage(error.responseBody ?? "") ?? error.message;
}

/**
 * The message of an error body in OpenAI's shape (`{"error":{"message":…}}`, which
 * OpenAI-compatible servers answer errors with), or null for any other body.
 */
export function openAiErrorMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } } | null;
    const message = parsed?.error?.message;
    return typeof message === "string" ? message : null;
  } catch {
    return null;
  }
}

/**
 * Exponential backoff with full jitter: attempt 1 waits up to `baseMs`, then 2x, 4x..., never
 * more than `maxMs`; a Retry-After from the upstream is honoured up to `maxMs`.
 */
export function backoffMs(attempt: number, retryAfterMs: number | null, baseMs = 200, maxMs = 5_000): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, maxMs);
  return Math.random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1));
}
