/** A Telegram bot connected to a team's assistant. */
export interface TelegramBotsTable {
  id: string;
  team_id: string;
  assistant_id: string;
  /** Telegram's bot id (unique: one connection per bot). */
  telegram_id: number;
  username: string;
  name: string;
  /** The token, sealed with AES-256-GCM (`platform/sealed-secret.ts`), bound to the row's id. */
  token_sealed: string;
  mode: string;
  /** `ok` or `error`. */
  status: string;
  status_reason: string | null;
  last_update_at: number | null;
  /** The next `getUpdates` offset of a polling bot. */
  poll_offset: number;
  /** Who connected it: answers are given on their behalf. */
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** An update accepted once: a replayed `update_id` finds its row and is dropped. */
export interface TelegramUpdatesTable {
  bot_id: string;
  update_id: number;
  received_at: number;
  /** The update as JSON until a worker has handled it (an embedded restart queues it again). */
  payload: string | null;
  /** When a worker finished handling it; null while it waits or is being answered. */
  done_at: number | null;
}

/** A Telegram chat's current conversation with a bot (`/new` starts another). */
export interface TelegramChatsTable {
  bot_id: string;
  chat_id: string;
  conversation_id: string | null;
  updated_at: number;
}

/**
 * The answer an update started: a job delivered again (its worker died) follows it rather than
 * sending the update's message a second time.
 */
export interface TelegramAnswersTable {
  bot_id: string;
  update_id: number;
  conversation_id: string;
  message_id: string;
  created_at: number;
}

/** Kysely types of the telegram module's tables. */
export interface TelegramTables {
  telegram_bots: TelegramBotsTable;
  telegram_updates: TelegramUpdatesTable;
  telegram_chats: TelegramChatsTable;
  telegram_answers: TelegramAnswersTable;
}
