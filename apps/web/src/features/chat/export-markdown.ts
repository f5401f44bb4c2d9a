import type { ConversationWithMessages } from "@parley/contracts";
import { api } from "../../api.ts";

/**
 * A conversation as a Markdown document: its title, then each message under who wrote it.
 * @example toMarkdown({ title: "Plan", messages: [...] }) // "# Plan\n\n**You** · …"
 */
export function toMarkdown(conversation: ConversationWithMessages): string {
  const parts = [`# ${conversation.title}`];
  for (const m of conversation.messages) {
    const who = m.role === "user" ? "You" : (m.model ?? "Assistant");
    const status = m.status === "completed" || m.role === "user" ? "" : ` (${m.status})`;
    parts.push(`**${who}**${status} · ${new Date(m.createdAt).toLocaleString()}\n\n${m.content}`);
  }
  return `${parts.join("\n\n---\n\n")}\n`;
}

/** Downloads the conversation as `<title>.md`. */
export async function downloadMarkdown(conversationId: string): Promise<void> {
  const conversation = await api<ConversationWithMessages>(`/api/v1/conversations/${conversationId}`);
  const url = URL.createObjectURL(new Blob([toMarkdown(conversation)], { type: "text/markdown" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `${conversation.title.replace(/[^\w\- ]+/g, "").trim() || "conversation"}.md`;
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}
