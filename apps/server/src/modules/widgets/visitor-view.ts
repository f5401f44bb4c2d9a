import type {
  ChatMessageView,
  Conversation,
  VisitorConversation,
  VisitorConversationWithMessages,
  VisitorMessage,
} from "@parley/contracts";
import { strangerError } from "./visitor-errors.ts";

/** A message as its visitor sees it (no model, usage or feedback). */
export function toVisitorMessage(m: ChatMessageView): VisitorMessage {
  return {
    id: m.id,
    role: m.role === "user" ? "user" : "assistant",
    content: m.content,
    status: m.status,
    // The stored message is the team's (amounts, rule names): the visitor reads their words.
    error: m.error
      ? strangerError({
          code: m.error.code as NonNullable<VisitorMessage["error"]>["code"],
          message: m.error.message,
        })
      : null,
    ...(m.sources?.length ? { sources: m.sources } : {}),
    createdAt: m.createdAt,
  };
}

/** A conversation as its visitor sees it (no model, team, assistant or instructions). */
export function toVisitorConversation(c: Conversation): VisitorConversation {
  return { id: c.id, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt };
}

/** A conversation with its messages (system ones left out) as its visitor sees it. */
export function toVisitorThread(
  c: Conversation & { messages: ChatMessageView[] },
): VisitorConversationWithMessages {
  return {
    ...toVisitorConversation(c),
    messages: c.messages.filter((m) => m.role !== "system").map(toVisitorMessage),
  };
}
