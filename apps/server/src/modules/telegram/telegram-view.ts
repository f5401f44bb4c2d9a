import type { TelegramBot, TelegramBotMode } from "@parley/contracts";
import { iso } from "../../kernel/ids.ts";
import type { TelegramBotRow } from "./telegram.repository.ts";

/** The API view of a bot row (never its token). */
export function toTelegramBot(row: TelegramBotRow): TelegramBot {
  return {
    id: row.id,
    teamId: row.team_id,
    assistantId: row.assistant_id,
    telegramId: row.telegram_id,
    username: row.username,
    name: row.name,
    mode: row.mode as TelegramBotMode,
    status: row.status === "error" ? "error" : "ok",
    statusReason: row.status_reason,
    lastUpdateAt: iso(row.last_update_at),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
