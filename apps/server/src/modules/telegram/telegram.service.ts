import type {
  ConnectTelegramBotRequest,
  TelegramBot,
  TelegramBotListQuery,
  TelegramBotMode,
  UpdateTelegramBotRequest,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import {
  assertMayIn,
  assertMayPublishChannel,
  can,
  requirePrincipal,
  seesTeam,
  teamsWhere,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import { openSecret, sealSecret } from "../../platform/sealed-secret.ts";
import type { AssistantService } from "../assistants/index.ts";
import { botApi, connectError, failureReason, webhookSecret, type BotApi } from "./bot-api.ts";
import type { TelegramBotRow, TelegramRepository } from "./telegram.repository.ts";
import { toTelegramBot } from "./telegram-view.ts";

/** Dependencies of the bot service. */
export interface TelegramServiceDeps {
  bots: TelegramRepository;
  assistants: Pick<AssistantService, "get">;
  audit: AuditSink;
  clock: Clock;
  /** The key tokens are sealed with, and webhook secrets derived from. */
  encryptionKey: Buffer;
  apiRoot: string;
  /** Parley's public URL: the webhook is `<publicUrl>/api/v1/telegram/webhook/<botId>`. */
  publicUrl: () => string;
  /** Tells this process's poller the polling bots changed. */
  onPollingChanged?: () => void;
}

/**
 * Telegram bots connected to team assistants: connect (the token checked with `getMe`, the
 * webhook set or removed), read, change, disconnect. A bot is its team's: members with
 * `telegram:read` see it, `telegram:manage` changes it; anyone else gets 404.
 */
export class TelegramService {
  readonly #d: TelegramServiceDeps;
  constructor(deps: TelegramServiceDeps) {
    this.#d = deps;
  }

  async list(query: TelegramBotListQuery, ctx: RequestContext): Promise<{ items: TelegramBot[] }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId) {
      // As a bot by id: its team's members, and global admins (who see every team).
      if (!seesTeam(principal, query.teamId)) throw new AppError("team.not_found", `No team ${query.teamId}`);
      if (!can(principal, "telegram:read", query.teamId))
        throw new AppError("auth.forbidden", "Listing this team's bots needs the telegram:read permission", {
          details: { permission: "telegram:read" },
        });
    }
    const keyTeam = principal.apiKey?.teamId ?? null;
    const teamIds = (query.teamId ? [query.teamId] : teamsWhere(principal, "telegram:read")).filter(
      (t) => keyTeam === null || t === keyTeam,
    );
    const rows = await this.#d.bots.list({
      teamIds,
      ...(query.assistantId ? { assistantId: query.assistantId } : {}),
    });
    return { items: rows.map(toTelegramBot) };
  }

  async get(id: string, ctx: RequestContext): Promise<TelegramBot> {
    return toTelegramBot(await this.#visible(id, ctx, "telegram:read"));
  }

  /**
   * Connects the bot of `input.token` to a team assistant: `getMe` proves the token, then the
   * webhook is pointed at Parley (webhook mode) or removed (polling mode, which Telegram refuses
   * while a webhook is set).
   * @throws AppError `assistant.not_found`, `telegram.assistant_personal`, `auth.forbidden`,
   *   `telegram.token_invalid`, `telegram.bot_duplicate`, `telegram.webhook_refused`,
   *   `telegram.api_unreachable`.
   */
  async connect(input: ConnectTelegramBotRequest, ctx: RequestContext): Promise<TelegramBot> {
    const principal = requirePrincipal(ctx);
    const assistant = await this.#d.assistants.get(input.assistantId, ctx);
    if (assistant.teamId === null)
      throw new AppError("telegram.assistant_personal", "A Telegram bot answers with a team's assistant");
    assertMayIn(principal, "telegram:manage", assistant.teamId, "Connecting a Telegram bot here");
    assertMayPublishChannel(principal, assistant.teamId, "Connecting a Telegram bot");
    const api = botApi(input.token, { apiRoot: this.#d.apiRoot });
    const me = await api.getMe().catch((error: unknown) => {
      throw connectError(error, "getMe");
    });
    const now = this.#d.clock.now();
    const row: TelegramBotRow = {
      id: newId(),
      team_id: assistant.teamId,
      assistant_id: assistant.id,
      telegram_id: me.id,
      username: me.username,
      name: me.first_name,
      token_sealed: "",
      mode: input.mode,
      status: "ok",
      status_reason: null,
      last_update_at: null,
      poll_offset: 0,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
    };
    row.token_sealed = sealSecret(input.token, this.#d.encryptionKey, `telegram-bot:${row.id}`);
    // Stored before the webhook is set: a second connection of the same bot stops here, before
    // it could point the first one's webhook elsewhere.
    try {
      await this.#d.bots.insert(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError("telegram.bot_duplicate", `The bot @${me.username} is connected already`);
      if (isForeignKeyViolation(error))
        throw new AppError("assistant.not_found", `No assistant ${assistant.id}`);
      throw error;
    }
    try {
      await this.#applyMode(api, row.id, input.mode);
    } catch (error) {
      await this.#d.bots.delete(row.id);
      throw error;
    }
    await this.#audit(ctx, "telegram_bot.connected", row, { username: row.username, mode: row.mode });
    if (input.mode === "polling") this.#d.onPollingChanged?.();
    return toTelegramBot(row);
  }

  /** Changes a bot's mode or token (a new token must be the same bot's). */
  async update(id: string, patch: UpdateTelegramBotRequest, ctx: RequestContext): Promise<TelegramBot> {
    const row = await this.#visible(id, ctx, "telegram:manage");
    assertMayPublishChannel(requirePrincipal(ctx), row.team_id, "Changing a Telegram bot");
    const token = patch.token ?? this.token(row);
    const api = botApi(token, { apiRoot: this.#d.apiRoot });
    if (patch.token) {
      const me = await api.getMe().catch((error: unknown) => {
        throw connectError(error, "getMe");
      });
      if (me.id !== row.telegram_id)
        throw new AppError("validation.failed", "The new token is another bot's", {
          details: { issues: [{ location: "body", path: "token", message: "belongs to another bot" }] },
        });
    }
    const mode = patch.mode ?? (row.mode as TelegramBotMode);
    await this.#applyMode(api, row.id, mode);
    const changes = {
      mode,
      status: "ok",
      status_reason: null,
      updated_at: this.#d.clock.now(),
      ...(patch.token
        ? { token_sealed: sealSecret(token, this.#d.encryptionKey, `telegram-bot:${row.id}`) }
        : {}),
    };
    await this.#d.bots.update(id, changes);
    const updated = { ...row, ...changes };
    await this.#audit(ctx, "telegram_bot.updated", updated, { changed: Object.keys(patch).sort(), mode });
    this.#d.onPollingChanged?.();
    return toTelegramBot(updated);
  }

  /** Disconnects a bot: its webhook removed (best effort: a revoked token cannot), its rows deleted. */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#visible(id, ctx, "telegram:manage");
    if (row.mode === "webhook")
      await botApi(this.token(row), { apiRoot: this.#d.apiRoot, maxRetryAfterS: 5 })
        .deleteWebhook()
        .catch(() => undefined);
    await this.#d.bots.delete(id);
    await this.#audit(ctx, "telegram_bot.disconnected", row, { username: row.username });
    this.#d.onPollingChanged?.();
  }

  /** The token of a bot row. */
  token(row: TelegramBotRow): string {
    return openSecret(row.token_sealed, this.#d.encryptionKey, `telegram-bot:${row.id}`);
  }

  /** Records a bot's last Bot API failure (or, with null, that it works again) as its status. */
  async setStatus(botId: string, error: unknown): Promise<void> {
    await this.#d.bots.update(botId, {
      status: error === null ? "ok" : "error",
      status_reason: error === null ? null : failureReason(error),
    });
  }

  async #applyMode(api: BotApi, botId: string, mode: TelegramBotMode): Promise<void> {
    if (mode === "webhook") {
      const url = `${this.#d.publicUrl().replace(/\/+$/, "")}/api/v1/telegram/webhook/${botId}`;
      await api
        .setWebhook(url, {
          secret_token: webhookSecret(this.#d.encryptionKey, botId),
          allowed_updates: ["message"],
        })
        .catch((error: unknown) => {
          throw connectError(error, "setWebhook");
        });
    } else {
      await api.deleteWebhook().catch((error: unknown) => {
        throw connectError(error, "deleteWebhook");
      });
    }
  }

  async #visible(id: string, ctx: RequestContext, permission: "telegram:read" | "telegram:manage") {
    const principal = requirePrincipal(ctx);
    const row = await this.#d.bots.find(id);
    // Another team's bot does not exist for the caller (global admins see every team's).
    if (!row || !seesTeam(principal, row.team_id))
      throw new AppError("telegram.bot_not_found", `No Telegram bot ${id}`);
    if (!can(principal, permission, row.team_id))
      throw new AppError("auth.forbidden", `This needs the ${permission} permission`, {
        details: { permission },
      });
    return row;
  }

  async #audit(ctx: RequestContext, action: string, row: TelegramBotRow, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "telegram_bot", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}
