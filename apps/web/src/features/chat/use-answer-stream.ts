import type { ChatEvent } from "@parley/contracts";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useReducer, useState } from "react";
import { api } from "../../api.ts";
import { applyEvent, type LiveAnswers } from "./answer-state.ts";

/** Whether the page is receiving the conversation's events. */
export type StreamState = "connecting" | "live" | "reconnecting";

// Every event name of the contract (the compiler checks the list is complete).
const EVENT_TYPES = Object.keys({
  "message.started": 1,
  "message.sources": 1,
  "message.delta": 1,
  "message.completed": 1,
  "message.failed": 1,
  "message.cancelled": 1,
  "message.waiting": 1,
  "message.restarted": 1,
  "conversation.titled": 1,
  "conversation.branch_selected": 1,
  snapshot: 1,
} satisfies Record<ChatEvent["type"], 1>) as ChatEvent["type"][];
const MAX_BACKOFF_MS = 10_000;

/**
 * Follows a conversation's events over Server-Sent Events. The browser's EventSource reconnects
 * by itself after a dropped connection and sends Last-Event-ID, so a flaky network resumes exactly.
 * When the browser gives up (an HTTP error: an expired session, a proxy's 502), this hook renews
 * the session and reconnects itself with `?lastEventId=`, backing off. A fresh page gets the
 * in-flight answer from its beginning. Each time the stream opens, the conversation is read again:
 * only then does what the database shows and what the stream will send meet without a gap.
 */
export function useAnswerStream(conversationId: string): { live: LiveAnswers; state: StreamState } {
  const [live, dispatch] = useReducer(
    (answers: LiveAnswers, action: ChatEvent | "reset") =>
      action === "reset" ? {} : applyEvent(answers, action),
    {},
  );
  const [state, setState] = useState<StreamState>("connecting");
  const queryClient = useQueryClient();

  useEffect(() => {
    let source: EventSource | null = null;
    let lastId: string | null = null;
    let attempts = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let disposed = false;
    dispatch("reset");
    setState("connecting");
    // A read in flight may have been answered before what just happened: it is cancelled and the
    // conversation read anew (invalidating alone reuses a read in flight while there is no data
    // yet, as on a page's first load).
    const refresh = async () => {
      const queryKey = ["conversation", conversationId];
      await queryClient.cancelQueries({ queryKey });
      await queryClient.invalidateQueries({ queryKey });
    };

    const connect = () => {
      if (disposed) return;
      const query = lastId ? `?lastEventId=${encodeURIComponent(lastId)}` : "";
      const current = new EventSource(`/api/v1/conversations/${conversationId}/events${query}`);
      source = current;
      current.onopen = () => {
        attempts = 0;
        setState("live");
        // Read the conversation again now that the stream is open, on a first connection too: a
        // reader without Last-Event-ID is sent only the answer in flight when it connects, so an
        // answer that ended after the conversation was read (on load, or while we were away) is
        // learnt from the database, never shown as streaming forever.
        void refresh();
      };
      current.onerror = () => {
        setState("reconnecting");
        if (current.readyState !== EventSource.CLOSED) return; // the browser retries by itself
        current.close();
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts++);
        timer = setTimeout(() => {
          // An expired session is renewed by the API client's refresh on 401.
          void api("/api/v1/me")
            .catch(() => undefined)
            .finally(connect);
        }, delay);
      };
      for (const type of EVENT_TYPES) {
        current.addEventListener(type, (message: MessageEvent<string>) => {
          if (message.lastEventId) lastId = message.lastEventId;
          // The server's events follow the shared contract; the type names the event.
          const event = { ...(JSON.parse(message.data) as object), type } as ChatEvent;
          dispatch(event);
          if (type !== "message.delta") void refresh();
          // A new title shows in the list too.
          if (type === "conversation.titled")
            void queryClient.invalidateQueries({ queryKey: ["conversations"] });
        });
      }
    };
    const reconnectNow = () => {
      if (source?.readyState !== EventSource.CLOSED) return;
      clearTimeout(timer);
      attempts = 0;
      connect();
    };
    window.addEventListener("online", reconnectNow);
    connect();
    return () => {
      disposed = true;
      clearTimeout(timer);
      window.removeEventListener("online", reconnectNow);
      source?.close();
    };
  }, [conversationId, queryClient]);

  return { live, state };
}
