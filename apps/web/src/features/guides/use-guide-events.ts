import type { GuideEvent } from "@parley/contracts";
import { useEffect, useRef, useState } from "react";
import { api } from "../../api.ts";

/** Whether the screen hears changes as they happen. */
export type LiveState = "connecting" | "live" | "offline";

const MAX_BACKOFF_MS = 10_000;
const EVENT_TYPES: readonly GuideEvent["type"][] = [
  "snapshot",
  "guide.changed",
  "task.changed",
  "guide.deleted",
];

/**
 * Listens to a guide event stream (`/api/v1/guides/{id}/events` or `/api/v1/guides/events?teamId=`)
 * and hands each event to `onEvent`; `onReopen` runs when it connects again after a break, to read
 * again what happened while the stream was closed (the first connection follows a fresh read). The browser's own reconnect resumes with `Last-Event-ID`;
 * when it gives up (an expired session, a proxy's error) the session is renewed through the API
 * client and the stream opened again, backing off up to 10 s, and at once when the browser is back
 * online. `url` null listens to nothing.
 */
export function useGuideEvents(
  url: string | null,
  onEvent: (event: GuideEvent) => void,
  onReopen?: () => void,
): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  // The latest handlers, without reopening the stream when they change.
  const handlers = useRef({ onEvent, onReopen });
  useEffect(() => {
    handlers.current = { onEvent, onReopen };
  });
  useEffect(() => {
    if (url === null) return;
    let stream: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let disposed = false;
    let opened = false;
    setState("connecting");
    const connect = () => {
      if (disposed) return;
      clearTimeout(timer);
      stream?.close();
      const current = new EventSource(url, { withCredentials: true });
      stream = current;
      current.onopen = () => {
        attempts = 0;
        setState("live");
        if (opened) handlers.current.onReopen?.();
        opened = true;
      };
      current.onerror = () => {
        setState("offline");
        if (current.readyState !== EventSource.CLOSED) return; // the browser retries by itself
        current.close();
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempts++);
        timer = setTimeout(() => {
          void api("/api/v1/me")
            .catch(() => undefined)
            .finally(connect);
        }, delay);
      };
      for (const type of EVENT_TYPES)
        current.addEventListener(type, (message: MessageEvent<string>) => {
          // The server's events follow the shared contract.
          handlers.current.onEvent(JSON.parse(message.data) as GuideEvent);
        });
    };
    const online = () => {
      if (stream?.readyState === EventSource.CLOSED) connect();
    };
    window.addEventListener("online", online);
    connect();
    return () => {
      disposed = true;
      clearTimeout(timer);
      window.removeEventListener("online", online);
      stream?.close();
    };
  }, [url]);
  return state;
}
