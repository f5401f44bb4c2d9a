import type { Generated } from "kysely";
import type { JsonColumn } from "../../db/json.ts";

export interface ConversationsTable {
  id: string;
  user_id: string;
  team_id: string | null;
  title: string;
  /** The model new messages use unless they name one. */
  model: string | null;
  /** The assistant every answer is given with (null: none, or it was deleted). */
  assistant_id: string | null;
  /** The project of its team it belongs to (null: none, or it was deleted). */
  project_id: string | null;
  /** Instructions every answer gets (null: none). */
  system_prompt: string | null;
  /** Its answers' temperature and output limit (null: the model's defaults). */
  temperature: number | null;
  max_output_tokens: number | null;
  created_at: number;
  updated_at: number;
  /** Bumped by every change of the current path (send, edit, regenerate, switch); see ADR 0031. */
  path_version: Generated<number>;
  /** `web` (the web app and the API), or the channel a visitor holds it through: `widget`, `telegram`. */
  channel: Generated<string>;
  /** The widget or bot (null on `web`). */
  channel_id: string | null;
  /** The visitor: the widget visitor's or the Telegram chat's id (null on `web`). */
  channel_subject: string | null;
  /** The `Idempotency-Key` it was started with (unique per user), if any. */
  idempotency_key: string | null;
}

/** A message; assistant messages go `streaming` → `completed` | `failed` | `cancelled`. */
export interface MessagesTable {
  id: string;
  conversation_id: string;
  position: number;
  role: string;
  content: string;
  status: string;
  model: string | null;
  /** `{inputTokens, outputTokens}` (see db/json.ts). */
  usage: JsonColumn | null;
  finish_reason: string | null;
  error_code: string | null;
  error_message: string | null;
  ttft_ms: number | null;
  duration_ms: number | null;
  created_at: number;
  completed_at: number | null;
  /**
   * The message it follows (null: one of the conversation's first messages). Messages with the
   * same parent are versions of one another (edits, regenerations); see ADR 0031.
   */
  parent_id: string | null;
  /**
   * Set when the message left the conversation's current path (an edit, a regenerate, a switch
   * to another version); null while it is on it. Strictly increasing per conversation, so that it
   * also tells which branch was left last.
   */
  replaced_at: number | null;
  /** An answer's knowledge sources, `AnswerSource[]` (see db/json.ts); null: given without. */
  sources: JsonColumn | null;
  /** A user message's `Idempotency-Key` (unique in its conversation), if it was sent with one. */
  idempotency_key: string | null;
}

/** One person's thumbs on an answer. */
export interface MessageFeedbackTable {
  message_id: string;
  user_id: string;
  /** `up` or `down`. */
  rating: string;
  comment: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * A file uploaded for a message: its bytes in the blob store, its text (documents and text files)
 * here. Unsent (`message_id` null) until a send claims it for the message.
 */
export interface ChatAttachmentsTable {
  id: string;
  /** Who uploaded it: only they may send it. */
  user_id: string;
  /** The conversation it was sent in; null until then. */
  conversation_id: string | null;
  /** The user message it was sent with; null until then. */
  message_id: string | null;
  name: string;
  media_type: string;
  size: number;
  /** `image` or `text`. */
  kind: string;
  blob_key: string;
  /** The text given to the model (null for an image). */
  text: string | null;
  truncated: number;
  /** The file this row copies for an edited message (its bytes shared); null for an upload. */
  copy_of: string | null;
  created_at: number;
}

/** Kysely types of the chat module's tables. */
export interface ChatTables {
  conversations: ConversationsTable;
  messages: MessagesTable;
  message_feedback: MessageFeedbackTable;
  chat_attachments: ChatAttachmentsTable;
}
