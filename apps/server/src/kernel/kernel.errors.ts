import { defineErrors, HIDDEN_MESSAGE } from "./define-errors.ts";

/**
 * The codes no single module owns: every module may refuse a caller, find a conflict or fail.
 * Modules declare their own codes in `<m>.errors.ts`; `app/errors.ts` merges all the parts.
 */
export const kernelErrors = defineErrors({
  "validation.failed": { status: 400, expose: true },
  "auth.required": { status: 401, expose: true },
  "auth.forbidden": { status: 403, expose: true },
  /** Kept for clients that switch on it; throw a specific code (`team.not_found`, ...) instead. */
  "resource.not_found": { status: 404, expose: true },
  "resource.conflict": { status: 409, expose: true },
  "rate_limit.exceeded": { status: 429, expose: true },
  // A bug: its message and stack may name internals, so only the logs see them.
  "server.internal": { status: 500, expose: false, message: HIDDEN_MESSAGE },
  "server.unavailable": { status: 503, expose: true },
});
