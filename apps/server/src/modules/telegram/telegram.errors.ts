import { defineErrors } from "../../kernel/define-errors.ts";

/** The telegram module's codes. */
export const telegramErrors = defineErrors({
  "telegram.bot_not_found": { status: 404, expose: true },
  // Telegram's getMe refused the token: the person pastes the right one from BotFather.
  "telegram.token_invalid": { status: 400, expose: true },
  // One Telegram bot answers for one assistant: disconnect it first.
  "telegram.bot_duplicate": { status: 409, expose: true },
  // A bot answers with a team's assistant (a personal one has no team to meter and govern it in).
  "telegram.assistant_personal": { status: 400, expose: true },
  // The Bot API server refused setWebhook (for example: Telegram needs an https public URL).
  "telegram.webhook_refused": { status: 400, expose: true },
  // The Bot API server did not answer: nothing was connected.
  "telegram.api_unreachable": { status: 502, expose: true },
  // The webhook's secret-token header is missing or wrong: nothing was processed.
  "telegram.webhook_unauthorized": { status: 401, expose: true },
});
