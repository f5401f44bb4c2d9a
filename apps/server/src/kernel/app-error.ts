import type { ErrorCode } from "@parley/contracts";

/** Options of an AppError beyond its code and message. */
export interface AppErrorOptions {
  /** Structured context returned to the client as `error.details`. */
  details?: unknown;
  /** The underlying error, kept for logs; never shown to the client. */
  cause?: unknown;
  /** Extra response headers, for example `Retry-After` or `Allow`. */
  headers?: Record<string, string>;
}

/**
 * An expected failure with a stable code. Services throw it; the HTTP edge answers with the
 * status and visibility the code's owner declared with `defineErrors` (merged in `app/errors.ts`).
 * @example
 * throw new AppError("conversation.not_found", "Conversation c_123 does not exist");
 */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}
