import type {
  AnswerSource,
  ChatMessageView,
  Conversation,
  MessageStatus,
  MessageVersions,
} from "@parley/contracts";
import { fromJson } from "../../db/json.ts";
import { iso } from "../../kernel/ids.ts";
import type { ConversationRow, MessageRow } from "./chat.repository.ts";

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    title: row.title,
    model: row.model,
    teamId: row.team_id,
    assistantId: row.assistant_id,
    projectId: row.project_id,
    systemPrompt: row.system_prompt,
    temperature: row.temperature,
    maxOutputTokens: row.max_output_tokens,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** A message, with its thumbs (as the reader sees them) and its versions when it has any. */
export function toMessage(
  row: MessageRow,
  feedback?: { up: number; down: number; mine: "up" | "down" | null },
  versions?: MessageVersions,
): ChatMessageView {
  const usage =
    row.usage === null ? null : (fromJson(row.usage) as { inputTokens: number; outputTokens: number });
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role as ChatMessageView["role"],
    content: row.content,
    status: row.status as MessageStatus,
    model: row.model,
    usage,
    finishReason: row.finish_reason,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? "" } : null,
    timings: { ttftMs: row.ttft_ms, durationMs: row.duration_ms },
    ...(row.sources === null ? {} : { sources: sourcesOf(row) }),
    ...(feedback ? { feedback: { up: feedback.up, down: feedback.down, mine: feedback.mine } } : {}),
    ...(versions ? { versions } : {}),
    createdAt: iso(row.created_at),
    completedAt: iso(row.completed_at),
  };
}

/** The sources stored with an answer (empty when it has none). */
export function sourcesOf(row: Pick<MessageRow, "sources">): AnswerSource[] {
  return row.sources === null ? [] : (fromJson(row.sources) as AnswerSource[]);
}
