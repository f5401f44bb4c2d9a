import type { ErrorCode } from "@parley/contracts";
import { ApiError } from "./api.ts";

/** What a person reads about a failure: a short title and what to do next. */
export interface FailureText {
  title: string;
  hint: string;
}

/** Every code a request or an answer can fail with. */
export type FailureCode = ErrorCode;

type Describe = (message: string) => FailureText;

/** The server's message is the best there is: shown as it is. */
const asSent: Describe = (message) => ({ title: "The answer failed", hint: message });

/**
 * What to say for each code. A `Record` over every code, so adding one to `ErrorCode` does not
 * compile until someone decides here what a person reads about it.
 */
const FAILURES: Record<FailureCode, Describe> = {
  "validation.failed": asSent,
  "request.malformed_json": asSent,
  "request.invalid": asSent,
  "request.body_too_large": asSent,
  "request.unsupported_media_type": asSent,
  "request.bad_url": asSent,
  "request.uri_too_long": asSent,
  "request.headers_too_large": asSent,
  "request.timeout": asSent,
  "auth.required": asSent,
  "auth.forbidden": asSent,
  "auth.invalid_credentials": asSent,
  "auth.invalid_token": asSent,
  "auth.locked": asSent,
  "auth.csrf_failed": asSent,
  "auth.sso_failed": asSent,
  "user.email_taken": asSent,
  "user.weak_password": asSent,
  "team.slug_taken": asSent,
  "invitation.invalid": asSent,
  "user.wrong_password": () => ({
    title: "Current password is not right",
    hint: "Type the password you sign in with now. Repeated mistakes lock changes for a while.",
  }),
  "password_reset.invalid": () => ({
    title: "This reset link does not work",
    hint: "It was used already, replaced by a newer one, or has expired. Ask an administrator for a new link.",
  }),
  "invitation.not_found": () => ({
    title: "That invitation is closed",
    hint: "It was accepted, revoked or has expired. The list shows the open ones.",
  }),
  "session.not_found": () => ({
    title: "That session has ended",
    hint: "It was signed out already. The list shows the sessions still active.",
  }),
  "api_key.permission_not_held": asSent,
  "audit.cursor_invalid": asSent,
  "route.not_found": asSent,
  "route.method_not_allowed": asSent,
  "resource.not_found": asSent,
  "resource.conflict": asSent,
  "rate_limit.exceeded": (message) => ({
    title: "Slow down",
    hint: `${message}. Wait a moment, then try again.`,
  }),
  "model.not_found": () => ({
    title: "Unknown model",
    hint: "This model is not offered any more. Pick another model.",
  }),
  "provider.not_found": asSent,
  "budget.exceeded": () => ({
    title: "The budget for this is used up",
    hint: "Nothing was sent to the model. Ask an admin to raise the budget or top up the balance, or wait for the next period.",
  }),
  "budget.not_found": () => ({
    title: "This budget is gone",
    hint: "It was removed, or it is not one you manage.",
  }),
  "budget.scope_not_found": () => ({
    title: "Not found in your teams",
    hint: "It may have just been removed. You can set budgets on the assistants, widgets, bots and team API keys of the teams whose budgets you manage.",
  }),
  "budget.duplicate": () => ({
    title: "There is already a budget for this",
    hint: "Change the existing budget's limit instead of adding another for the same period.",
  }),
  "billing.account_not_found": () => ({
    title: "No such person or team",
    hint: "The balance belongs to an account that does not exist any more.",
  }),
  "billing.transaction_not_found": () => ({
    title: "This transaction is not in the ledger",
    hint: "Reload the transactions: it may belong to an account that was deleted.",
  }),
  "billing.not_refundable": () => ({
    title: "Only top-ups and AI usage charges can be refunded",
    hint: "Correct other movements (adjustments, allowances, expiries, refunds) with an adjustment instead.",
  }),
  "billing.refund_too_large": () => ({
    title: "That is more than can be refunded",
    hint: "A refund never exceeds what is left of the original, and a top-up's refund never exceeds what the balance still holds.",
  }),
  "billing.webhook_disabled": asSent,
  "billing.webhook_signature_invalid": asSent,
  "billing.webhook_event_invalid": asSent,
  "telegram.bot_not_found": () => ({
    title: "This Telegram bot is gone",
    hint: "It was disconnected, or it belongs to a team you are not in.",
  }),
  "telegram.token_invalid": () => ({
    title: "Telegram does not know this token",
    hint: "Copy the bot's token again from BotFather (/mybots, API Token) and paste it whole.",
  }),
  "telegram.bot_duplicate": () => ({
    title: "This bot is connected already",
    hint: "A bot answers for one assistant. Disconnect it where it is connected, or make another bot with BotFather.",
  }),
  "telegram.assistant_personal": () => ({
    title: "Only a team's assistant can have a bot",
    hint: "Move the assistant to a team (or duplicate it there) and connect the bot to that one.",
  }),
  "telegram.webhook_refused": () => ({
    title: "Telegram refused the webhook",
    hint: "Telegram needs Parley's public URL over HTTPS (PARLEY_PUBLIC_URL). Without one, connect the bot in polling mode.",
  }),
  "telegram.api_unreachable": () => ({
    title: "Telegram did not answer",
    hint: "Parley could not reach the Telegram Bot API. Try again in a moment; nothing was connected.",
  }),
  "telegram.webhook_unauthorized": asSent,
  "conversation.not_found": () => ({
    title: "This conversation is gone",
    hint: "It was deleted, or it is no longer shared with you. Pick another one.",
  }),
  "message.feedback_not_allowed": () => ({
    title: "Only finished answers can be rated",
    hint: "Wait until the answer is complete.",
  }),
  "attachment.not_found": () => ({
    title: "This attachment is gone",
    hint: "It was sent with another message or removed. Attach the file again.",
  }),
  "attachment.images_not_supported": () => ({
    title: "This model does not read images",
    hint: "Pick a model that reads images, or remove the image (an administrator can mark a model as reading images in its settings).",
  }),
  "attachment.too_large": (message) => ({
    title: "Too large to attach",
    hint: `${message}. Attach a smaller file, or put the document in a knowledge base.`,
  }),
  "idempotency.key_reused": () => ({
    title: "This request key was used for another message",
    hint: "Send the message again: a new request key is made for it.",
  }),
  "attachment.unreadable": (message) => ({
    title: "This file cannot be read",
    hint: `${message}.`,
  }),
  "message.not_found": () => ({
    title: "This message changed",
    hint: "It was replaced or removed meanwhile. Reload the conversation.",
  }),
  "team.not_found": () => ({
    title: "This team is gone",
    hint: "It was deleted, or you are no longer a member. Reload the page.",
  }),
  "user.not_found": asSent,
  "member.not_found": asSent,
  "api_key.not_found": asSent,
  "sso_provider.not_found": asSent,
  "knowledge_base.not_found": () => ({
    title: "This knowledge base is gone",
    hint: "It was deleted or is not shared with you.",
  }),
  "document.not_found": () => ({
    title: "This document is gone",
    hint: "It was deleted meanwhile. Refresh the list.",
  }),
  "knowledge.too_large": (message) => ({
    title: "Too large to upload",
    hint: `${message}. Nothing of this upload was kept; remove the file (or older documents) and try again.`,
  }),
  "project.not_found": () => ({
    title: "This project is gone",
    hint: "It was deleted or belongs to a team you are no longer in. Pick another project or none.",
  }),
  "project.name_taken": () => ({
    title: "That name is taken",
    hint: "Another project of this team has this name (ignoring case). Choose another one.",
  }),
  "governance.rule_not_found": () => ({
    title: "This rule is gone",
    hint: "It was deleted or belongs to a team you are no longer in.",
  }),
  "governance.rule_version_not_found": () => ({
    title: "This version of the rule does not exist",
    hint: "Pick one of the versions the rule lists.",
  }),
  "governance.rule_version_conflict": () => ({
    title: "Someone changed this rule meanwhile",
    hint: "Reload the rule to see its newest version, then make your change again.",
  }),
  "guide.not_found": () => ({
    title: "This guide is gone",
    hint: "It was deleted or belongs to a team you are no longer in.",
  }),
  "guide.task_not_found": () => ({
    title: "This task is no longer in the guide",
    hint: "Someone edited the guide and removed it. The guide is shown as it is now.",
  }),
  "guide.version_conflict": () => ({
    title: "Someone changed this guide meanwhile",
    hint: "Reload the guide to see the newest version, then make your change again. Nothing was saved.",
  }),
  "guide.version_required": () => ({
    title: "The edit does not say which version it was made on",
    hint: "Reload the guide and edit it again.",
  }),
  "guide.too_large": (message) => ({
    title: "This guide is too large",
    hint: `${message}. Split it into several guides.`,
  }),
  "guide.template_not_found": () => ({
    title: "This template is gone",
    hint: "It was deleted or belongs to another team. Pick another template.",
  }),
  "guide.template_variables": (message) => ({
    title: "The template's variables do not fit",
    hint: `${message}.`,
  }),
  "guide.template_name_taken": () => ({
    title: "That name is taken",
    hint: "Another template of this team has this name. Choose another one.",
  }),
  "guide.project_not_in_team": () => ({
    title: "That project is not the team's",
    hint: "A guide can only belong to a project of its own team. Pick one of the team's projects, or none.",
  }),
  "guide.draft_invalid": () => ({
    title: "The AI's draft could not be used",
    hint: "The model did not answer in the expected shape, even when asked twice. Try again, or pick another model.",
  }),
  "practice.not_found": () => ({
    title: "This practice is gone",
    hint: "It was deleted or belongs to a team you are no longer in.",
  }),
  "practice.version_not_found": () => ({
    title: "This version of the practice does not exist",
    hint: "Pick one of the versions the practice lists.",
  }),
  "practice.version_conflict": () => ({
    title: "Someone changed this practice meanwhile",
    hint: "Reload the practice to see its newest version, then make your change again.",
  }),
  "practice.project_not_in_team": () => ({
    title: "That project is not the team's",
    hint: "A practice can only be scoped to a project of its own team. Pick one of the team's projects, or none.",
  }),
  "practice.limit_reached": () => ({
    title: "This team has as many practices as it may keep",
    hint: "Delete or merge practices the team no longer needs, then add the new one.",
  }),
  "prompt.not_found": () => ({
    title: "This prompt is gone",
    hint: "It was deleted or belongs to a team you are no longer in.",
  }),
  "prompt.version_not_found": () => ({
    title: "This version does not exist",
    hint: "Pick one of the versions the prompt lists.",
  }),
  "prompt.version_conflict": () => ({
    title: "Someone saved a new version meanwhile",
    hint: "Reload the prompt to see its newest version, then make your change again.",
  }),
  "prompt.slug_taken": () => ({
    title: "This slug is taken",
    hint: "Another prompt of this team uses it. Choose another slug or name.",
  }),
  "prompt.invalid_template": (message) => ({
    title: "The template's variables do not match its placeholders",
    hint: `${message}. Declare every {{placeholder}} as a variable and use every variable.`,
  }),
  "prompt.invalid_variables": (message) => ({ title: "Some values do not fit the variables", hint: message }),
  "prompt.wrong_kind": asSent,
  "prompt.label_not_found": () => ({
    title: "No such label",
    hint: "Point the label at a version first, or pick one the prompt has.",
  }),
  "prompt.label_protected": () => ({
    title: "This label is protected",
    hint: "Unprotect it first; that needs someone else's approval.",
  }),
  "prompt.change_request_not_found": () => ({
    title: "This request is gone",
    hint: "The prompt was deleted, or the request belongs to a team you are not in.",
  }),
  "prompt.change_request_decided": () => ({
    title: "Someone decided this request already",
    hint: "Reload the pending requests.",
  }),
  "prompt.approval_refused": () => ({
    title: "Someone else must decide",
    hint: "A label change you asked for is approved or denied by another person.",
  }),
  "assistant.not_found": () => ({
    title: "This assistant is gone",
    hint: "It was deleted or is no longer shared with you. Start the chat without it or pick another one.",
  }),
  "assistant.knowledge_base_not_in_team": () => ({
    title: "Only the team's knowledge bases",
    hint: "An assistant the whole team sees may only answer from the team's knowledge bases. Make it private, or pick the team's.",
  }),
  "provider.disabled": () => ({
    title: "This provider is switched off",
    hint: "An administrator disabled it. Pick another model.",
  }),
  "provider.unavailable": () => ({
    title: "The provider is not answering",
    hint: "Parley could not reach the model's provider (it may be stopped or failing). Retry, or pick another model.",
  }),
  "prompt.too_large": () => ({
    title: "The conversation is too long for this model",
    hint: "Start a new chat or pick a model with a larger context.",
  }),
  "governance.blocked": (message) => ({ title: "Blocked by a policy", hint: message }),
  "governance.check_failed": (message) => ({
    title: "A policy check could not run",
    hint: `${message} Try again in a moment; if it keeps failing, tell an administrator.`,
  }),
  "governance.approval_denied": (message) => ({ title: "Not approved", hint: message }),
  "governance.approval_not_found": () => ({
    title: "No such approval request",
    hint: "It is gone, or you may not see it.",
  }),
  "governance.approval_decided": (message) => ({
    title: "Already decided",
    hint: `${message}. Reload the queue.`,
  }),
  "upstream.rate_limited": () => ({
    title: "The provider is rate limiting",
    hint: "The model's provider asked us to slow down. Try again shortly.",
  }),
  "upstream.error": (message) => ({
    title: "The provider failed",
    hint: `${message}. Retry, or pick another model.`,
  }),
  "upstream.timeout": () => ({
    title: "The model took too long",
    hint: "No answer arrived in time. Retry, or pick a faster model.",
  }),
  "upstream.incomplete": () => ({
    title: "The answer was cut off",
    hint: "The provider's stream ended early. Regenerate to try again.",
  }),
  "server.unavailable": asSent,
  "server.shutting_down": asSent,
  "server.internal": asSent,
  "worker.lost": () => ({
    title: "The answer was interrupted",
    hint: "The server generating it stopped. Regenerate to try again.",
  }),
  "widget.not_found": () => ({
    title: "This widget is gone",
    hint: "It was unpublished, or it belongs to a team you are not in.",
  }),
  "widget.assistant_not_in_team": () => ({
    title: "Pick one of this team's assistants",
    hint: "A widget publishes a team-visible assistant of the widget's own team.",
  }),
  "widget.origin_not_allowed": () => ({
    title: "Not allowed on this site",
    hint: "Add the page's origin (such as https://www.example.com) to the widget's allowed origins.",
  }),
  "widget.disabled": () => ({
    title: "This widget is switched off",
    hint: "Switch it on in the assistant's Publish section.",
  }),
  "widget.visitor_token_invalid": asSent,
  "widget.signature_invalid": () => ({
    title: "The visitor's signature does not match",
    hint: "Sign the user id with the widget's current secret (hex HMAC-SHA256) on your site's server.",
  }),
  "widget.publisher_unavailable": () => ({
    title: "The widget's publisher cannot answer any more",
    hint: "Its publisher left the team or lost the right to use AI there. Publish the widget again.",
  }),
  "widget.has_conversations": () => ({
    title: "Its visitors' conversations would be deleted with it",
    hint: "Unpublishing a widget deletes its visitors' conversations. Confirm with their number to go on.",
  }),
};

/** True for a code this app knows; a newer server may send one it does not. */
export function isFailureCode(code: string): code is FailureCode {
  return Object.hasOwn(FAILURES, code);
}

/**
 * What a person should read about a failed answer or a refused request, by stable error code;
 * an unknown code (or none) shows the server's message.
 * @example
 * describeFailure("upstream.timeout", "Provider p did not answer in time").title; // "The model took too long"
 */
export function describeFailure(code: string, message: string): FailureText {
  return (isFailureCode(code) ? FAILURES[code] : asSent)(message);
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
