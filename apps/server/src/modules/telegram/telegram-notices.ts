import { AppError } from "../../kernel/app-error.ts";

/** What `/start` answers, with the bot's assistant's name. */
export function startText(assistantName: string): string {
  return `Hello! I am ${assistantName}. Ask me anything.\n\n/new starts a new conversation, /help shows what I can do.`;
}

export const HELP_TEXT = [
  "Send me a message and I answer it; I remember our conversation.",
  "",
  "/new: start a new conversation (I forget the current one)",
  "/help: this help",
].join("\n");

export const NEW_TEXT = "New conversation started. What would you like to talk about?";

export const ONLY_TEXT = "I can only read text messages for now.";

/** The words a chat is told when an answer fails, by error code. */
const NOTICES: Record<string, string> = {
  "budget.exceeded":
    "This assistant has used up its budget for now, so I cannot answer. Please try again later.",
  "governance.blocked": "Your message was blocked by this organisation's policy, so I did not answer it.",
  "governance.approval_denied": "This answer needed an approval, which was refused.",
  "governance.check_failed": "A policy check could not run, so I did not answer. Please try again.",
  "rate_limit.exceeded": "Too many messages right now. Please wait a moment and try again.",
  "resource.conflict": "I am still answering your previous message. Send this one again when I am done.",
  "request.body_too_large": "This message is too long for me.",
  "upstream.rate_limited": "The AI model is busy right now. Please try again in a minute.",
  "upstream.timeout": "The AI model took too long to answer. Please try again.",
  "model.not_found": "This assistant's model is not available at the moment.",
  "worker.lost":
    "I was restarted while answering, so my answer was cut short. Please send your message again.",
  "publisher.gone":
    "This bot cannot answer any more: whoever connected it left or lost the right to use AI in its team. Ask the team to reconnect it.",
};

/** A failure as the sentence shown in the Telegram chat (its code in brackets when unknown). */
export function failureNotice(code: string): string {
  return NOTICES[code] ?? `Sorry, I could not answer this (${code}). Please try again.`;
}

/** The error code of a thrown failure. */
export function codeOf(error: unknown): string {
  return error instanceof AppError ? error.code : "server.internal";
}
