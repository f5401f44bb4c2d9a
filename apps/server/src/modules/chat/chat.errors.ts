import { defineErrors } from "../../kernel/define-errors.ts";

/** The chat module's codes. A client that gets one drops the conversation or message it holds. */
export const chatErrors = defineErrors({
  "conversation.not_found": { status: 404, expose: true },
  "message.not_found": { status: 404, expose: true },
  // Thumbs on a user message, or on an answer still streaming, failed or cancelled.
  "message.feedback_not_allowed": { status: 409, expose: true },
  "attachment.not_found": { status: 404, expose: true },
  "attachment.images_not_supported": { status: 400, expose: true },
  "attachment.too_large": { status: 413, expose: true },
  "attachment.unreadable": { status: 422, expose: true },
  "idempotency.key_reused": { status: 422, expose: true },
  // Fails an answer whose worker stopped (`lost-answers.ts`); travels in events, never as an HTTP answer.
  "worker.lost": { status: 503, expose: true },
});
