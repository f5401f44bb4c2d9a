import { defineErrors } from "../../kernel/define-errors.ts";

/**
 * The AI pipeline's codes. Upstream messages are written by Parley (`Provider x failed (503)`);
 * a provider's own text appears only in a 4xx rejection, which the caller needs to fix its
 * request (context too long, unknown parameter), so they are shown.
 */
export const aiErrors = defineErrors({
  "provider.unavailable": { status: 503, expose: true },
  "prompt.too_large": { status: 400, expose: true },
  "governance.blocked": { status: 403, expose: true },
  "upstream.rate_limited": { status: 429, expose: true },
  "upstream.error": { status: 502, expose: true },
  "upstream.timeout": { status: 504, expose: true },
  "upstream.incomplete": { status: 502, expose: true },
});
