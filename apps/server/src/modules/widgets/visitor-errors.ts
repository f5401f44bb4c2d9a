import type { ErrorCode } from "@parley/contracts";
import type { ErrorText } from "../../kernel/route-config.ts";

const UNAVAILABLE = "This chat is not available right now.";
const TRY_AGAIN = "The assistant could not answer just now. Please try again.";
const NOT_FOUND = "This conversation or message does not exist here.";

/**
 * What an anonymous visitor reads for an error code: words fit for a stranger, never a budget's
 * amounts, a rule's name, an id or a model. The team reads the thrown message in its logs, and
 * the refusal's detail in its audit, budget alerts and governance decisions. A code not listed
 * reads {@link FALLBACK}; the widget's UI words them its own way too (`apps/widget/src/wording.ts`).
 */
const STRANGER_MESSAGES: Partial<Record<ErrorCode, string>> = {
  "budget.exceeded": "This assistant has used up its budget for now.",
  "governance.blocked": "This message cannot be answered here.",
  "governance.approval_denied": "This message cannot be answered here.",
  "governance.check_failed": TRY_AGAIN,
  "rate_limit.exceeded": "Too many messages in a short time. Please wait a little and try again.",
  "widget.not_found": UNAVAILABLE,
  "widget.disabled": UNAVAILABLE,
  "widget.publisher_unavailable": UNAVAILABLE,
  "widget.origin_not_allowed": "This chat is not available on this website.",
  "widget.visitor_token_invalid": "Your chat session has ended. Please start a new one.",
  "widget.signature_invalid": "We could not confirm who you are. Please reload the page.",
  "conversation.not_found": NOT_FOUND,
  "message.not_found": NOT_FOUND,
  "resource.not_found": NOT_FOUND,
  "resource.conflict": "The assistant is still answering. Please wait for the answer first.",
  "request.body_too_large": "This message is too long.",
  "prompt.too_large": "This conversation has grown too long for the assistant. Please start a new one.",
  "upstream.rate_limited": TRY_AGAIN,
  "upstream.error": TRY_AGAIN,
  "upstream.timeout": TRY_AGAIN,
  "upstream.incomplete": TRY_AGAIN,
  "provider.unavailable": TRY_AGAIN,
  "server.unavailable": TRY_AGAIN,
  "server.shutting_down": TRY_AGAIN,
  "worker.lost": TRY_AGAIN,
};

/** What a visitor reads for a code no one worded for strangers. */
export const FALLBACK = "Something went wrong. Please try again.";

/** The stranger's message for `code`. */
export function strangerMessage(code: ErrorCode): string {
  return STRANGER_MESSAGES[code] ?? FALLBACK;
}

/**
 * An error as the public visitor API shows it (the route config's `errorText`): the stranger's
 * message and no details, except what is the visitor's own: a refused input's
 * (`validation.failed` says which field of their request is wrong and how) and which of their
 * message limits they reached (`rate_limit.exceeded`: `scope` and `limit`, a number of messages,
 * as the README promises).
 * @example
 * strangerText("budget.exceeded", { message: "This call may cost up to 1200 micro-units…" });
 * // { message: "This assistant has used up its budget for now." }
 */
export function strangerText(code: ErrorCode, shown: ErrorText): ErrorText {
  if (code === "validation.failed") return shown;
  const message = strangerMessage(code);
  if (code === "rate_limit.exceeded") {
    const details = messageLimitOf(shown.details);
    return details ? { message, details } : { message };
  }
  return { message };
}

/** The scope and size of a widget's message limit, from a refusal's details (nothing else). */
function messageLimitOf(details: unknown): { scope: string; limit: number } | null {
  if (typeof details !== "object" || details === null) return null;
  const { scope, limit } = details as { scope?: unknown; limit?: unknown };
  return typeof scope === "string" && scope.startsWith("widget") && typeof limit === "number"
    ? { scope, limit }
    : null;
}

/** A stored or streamed error (a failed answer's) as a visitor reads it: its code, their words. */
export function strangerError<C extends ErrorCode>(error: {
  code: C;
  message: string;
}): {
  code: C;
  message: string;
} {
  return { code: error.code, message: strangerMessage(error.code) };
}
