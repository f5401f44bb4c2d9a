import { createHmac, timingSafeEqual } from "node:crypto";
import { autoRetry } from "@grammyjs/auto-retry";
import { Api, GrammyError, HttpError } from "grammy";
import { AppError } from "../../kernel/app-error.ts";

/** The Bot API as Parley uses it: grammY's client. */
export type BotApi = Api;

/** Options of {@link botApi}. */
export interface BotApiOptions {
  /** The Bot API server (`PARLEY_TELEGRAM_API_URL`). */
  apiRoot: string;
  /** Longest `retry_after` honoured, in seconds; a longer one fails the call. */
  maxRetryAfterS?: number;
}

/**
 * A Bot API client for one token on the configured server. Every call honours a 429's
 * `retry_after` (grammY's auto-retry transformer): it waits as told and sends the same request
 * again, so a rate-limited message is delayed, never lost.
 * @example
 * const api = botApi(token, { apiRoot: config.telegramApiUrl }); const me = await api.getMe();
 */
export function botApi(token: string, options: BotApiOptions): BotApi {
  const api = new Api(token, { apiRoot: options.apiRoot.replace(/\/+$/, "") });
  api.config.use(
    autoRetry({
      maxRetryAttempts: 8,
      maxDelaySeconds: options.maxRetryAfterS ?? 120,
      rethrowInternalServerErrors: true,
      rethrowHttpErrors: true,
    }),
  );
  return api;
}

/**
 * What a failed Bot API call tells a person connecting a bot, as the error to answer.
 * @example
 * try { await api.getMe(); } catch (error) { throw connectError(error); }
 */
export function connectError(error: unknown, step: "getMe" | "setWebhook" | "deleteWebhook"): AppError {
  if (error instanceof GrammyError) {
    if (step === "getMe" && (error.error_code === 401 || error.error_code === 404))
      return new AppError(
        "telegram.token_invalid",
        "Telegram does not know this bot token (check it in BotFather)",
        {
          details: { telegram: error.description },
        },
      );
    return new AppError("telegram.webhook_refused", `Telegram refused ${step}: ${error.description}`, {
      details: { telegram: error.description },
    });
  }
  if (error instanceof HttpError)
    return new AppError("telegram.api_unreachable", "The Telegram Bot API server did not answer", {
      details: { step },
    });
  return new AppError(
    "telegram.api_unreachable",
    "The Telegram Bot API server answered something unexpected",
    {
      details: { step },
    },
  );
}

/** A short reason for a bot's status from a failed call. */
export function failureReason(error: unknown): string {
  if (error instanceof GrammyError) return `${error.method}: ${error.description}`.slice(0, 500);
  if (error instanceof Error) return error.message.slice(0, 500);
  return "unknown error";
}

/**
 * The secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token` for bot `botId`: derived
 * from the installation's encryption key, so it is never stored and differs per bot.
 */
export function webhookSecret(key: Buffer, botId: string): string {
  return createHmac("sha256", key).update(`telegram-webhook:${botId}`).digest("base64url");
}

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
export function secretMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  // Comparing digests: equal lengths whatever was sent, so the length leaks nothing either.
  const a = createHmac("sha256", "parley-compare").update(given).digest();
  const b = createHmac("sha256", "parley-compare").update(expected).digest();
  return timingSafeEqual(a, b);
}
