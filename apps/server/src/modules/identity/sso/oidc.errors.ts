import { AppError } from "../../../kernel/app-error.ts";

/**
 * An `auth.sso_failed` with a short machine-readable reason (`state_unknown`, `not_allowed`,
 * ...) for the audit log; the client only sees the code.
 */
export class SsoFailure extends AppError {
  readonly reason: string;
  constructor(reason: string, message: string, cause?: unknown) {
    super("auth.sso_failed", message, cause === undefined ? {} : { cause });
    this.reason = reason;
  }
}
