import type { ChatEvent } from "@parley/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

/** The live text of answers being streamed, by message id. */
export type LiveAnswers = Record<string, { text: string; next: number; status: "streaming" | "done" }>;

/**
 * Follows a conversation's events. The browser's EventSource reconnects by itself and sends
 * Last-Event-ID, so a dropped network resumes exactly; a fresh page gets the in-flight answer
 * from its beginning. Deltas are applied in index order, each once.
 */
export function useAnswerStream(conversationId: string | undefined): {
  live: LiveAnswers;
  connected: boolean;
} {
  const [live, setLive] = useState<LiveAnswers>({});
  const [connected, setConnected] = useState(false);
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!conversationId) return;
    setLive({});
    const source = new EventSource(`/api/v1/conversations/${conversationId}/events`);
    source.onopen = () => {
      setConnected(true);
    };
    source.onerror = () => {
      setConnected(false);
    };
    const refresh = () => void queryClient.invalidateQueries({ queryKey: ["conversation", conversationId] });
    const on = (type: ChatEvent["type"], handle: (event: ChatEvent) => void) => {
      source.addEventListener(type, (message) => {
        handle(JSON.parse((message as MessageEvent<string>).data) as ChatEvent);
      });
    };
    on("message.started", (e) => {
      setLive((prev) => ({
        ...prev,
        [e.messageId]: prev[e.messageId] ?? { text: "", next: 0, status: "streaming" },
      }));
      refresh();
    });
    on("message.delta", (e) => {
      if (e.type !== "message.delta") return;
      setLive((prev) => {
        const current = prev[e.messageId] ?? { text: "", next: 0, status: "streaming" as const };
        if (e.index !== current.next) return prev; // a repeat (or a gap the server will snapshot)
        return {
          ...prev,
          [e.messageId]: { text: current.text + e.text, next: current.next + 1, status: "streaming" },
        };
      });
    });
    on("snapshot", (e) => {
      if (e.type !== "snapshot") return;
      setLive((prev) => ({
        ...prev,
        [e.messageId]: { text: e.text, next: prev[e.messageId]?.next ?? 0, status: "streaming" },
      }));
      refresh();
    });
    for (const type of ["message.completed", "message.failed", "message.cancelled"] as const) {
      on(type, (e) => {
        setLive((prev) => ({
          ...prev,
          [e.messageId]: { ...(prev[e.messageId] ?? { text: "", next: 0 }), status: "done" },
        }));
        refresh();
      });
    }
    return () => {
      source.close();
    };
  }, [conversationId, queryClient]);

  return { live, connected };
}
