/** What a visitor reads for an error code: plain words, never internals. */
export function wordingOf(code: string, fallback?: string): string {
  switch (code) {
    case "budget.exceeded":
      return "This assistant has used up its budget for now, so it cannot answer. Please try again later.";
    case "rate_limit.exceeded":
      return "You have sent a lot of messages in a short time. Please wait a little and try again.";
    case "widget.origin_not_allowed":
      return "This chat is not available on this website.";
    case "widget.disabled":
    case "widget.not_found":
    case "widget.publisher_unavailable":
      return "This chat is not available right now.";
    case "widget.visitor_token_invalid":
      return "Your chat session has ended. Please reload the page.";
    case "widget.signature_invalid":
      return "We could not confirm who you are. Please reload the page, or sign in again.";
    case "governance.blocked":
    case "governance.approval_denied":
      return "This message cannot be answered here: a policy of the site's owner blocked it.";
    case "validation.failed":
      return fallback ?? "This message cannot be sent.";
    case "worker.lost":
    case "upstream.error":
    case "upstream.timeout":
    case "upstream.incomplete":
    case "upstream.rate_limited":
    case "server.unavailable":
    case "server.shutting_down":
      return "The assistant could not answer just now. Please try again.";
    default:
      return "Something went wrong. Please try again.";
  }
}
