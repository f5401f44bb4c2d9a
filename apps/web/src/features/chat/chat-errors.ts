import { ApiError } from "../../api.ts";

/** What a person should read about a failed answer or a refused request, by stable error code. */
export function describeFailure(code: string, message: string): { title: string; hint: string } {
  switch (code) {
    case "rate_limit.exceeded":
      return { title: "Slow down", hint: `${message}. Wait a moment, then try again.` };
    case "upstream.rate_limited":
      return {
        title: "The provider is rate limiting",
        hint: "The model's provider asked us to slow down. Try again shortly.",
      };
    case "provider.unavailable":
      return {
        title: "The provider is not answering",
        hint: "Parley could not reach the model's provider (it may be stopped or failing). Retry, or pick another model.",
      };
    case "provider.disabled":
      return {
        title: "This provider is switched off",
        hint: "An administrator disabled it. Pick another model.",
      };
    case "model.not_found":
      return { title: "Unknown model", hint: "This model is not offered any more. Pick another model." };
    case "upstream.timeout":
      return {
        title: "The model took too long",
        hint: "No answer arrived in time. Retry, or pick a faster model.",
      };
    case "upstream.incomplete":
      return {
        title: "The answer was cut off",
        hint: "The provider's stream ended early. Regenerate to try again.",
      };
    case "upstream.error":
      return { title: "The provider failed", hint: `${message}. Retry, or pick another model.` };
    case "governance.blocked":
      return { title: "Blocked by a policy", hint: message };
    case "prompt.too_large":
      return {
        title: "The conversation is too long for this model",
        hint: "Start a new chat or pick a model with a larger context.",
      };
    case "worker.lost":
      return {
        title: "The answer was interrupted",
        hint: "The server generating it stopped. Regenerate to try again.",
      };
    case "budget.exceeded":
      return { title: "Budget reached", hint: message };
    default:
      return { title: "The answer failed", hint: message };
  }
}

/** One sentence for an error thrown by the API client. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const { title, hint } = describeFailure(error.code, error.message);
    return `${title}: ${hint}`;
  }
  if (error instanceof TypeError) return "Parley is not reachable. Check your connection; nothing was sent.";
  return error instanceof Error ? error.message : "Something went wrong";
}
