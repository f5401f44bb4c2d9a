import { useEffect, useState } from "react";

const key = (conversationId: string) => `parley.draft.${conversationId}`;

/** The unsent message of a conversation, kept in this browser across reloads. */
export function useDraft(conversationId: string): [string, (text: string) => void] {
  const [draft, setDraft] = useState(() => localStorage.getItem(key(conversationId)) ?? "");
  useEffect(() => {
    setDraft(localStorage.getItem(key(conversationId)) ?? "");
  }, [conversationId]);
  const update = (text: string) => {
    setDraft(text);
    if (text) localStorage.setItem(key(conversationId), text);
    else localStorage.removeItem(key(conversationId));
  };
  return [draft, update];
}
