import type { ChatMessageView } from "@parley/contracts";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { Icon } from "../../components/ui/icons.tsx";
import type { LiveAnswers } from "./answer-state.ts";
import { MessageItem, type MessageActions } from "./message-item.tsx";

const NEAR_BOTTOM_PX = 80;

/**
 * The conversation's messages, virtualized: only the rows near the viewport are in the page, so
 * a conversation of thousands of messages scrolls as smoothly as a short one. Follows the newest
 * text while the reader is at the bottom, and offers a jump back when they scrolled up. Opened on
 * a message (a search hit, `focusId`), it scrolls to that message, marks it and moves focus to it.
 */
export function MessageList({
  messages,
  live,
  actionsFor,
  focusId,
}: {
  messages: ChatMessageView[];
  live: LiveAnswers;
  actionsFor: (message: ChatMessageView) => MessageActions;
  /** A message to bring into view and mark (a search hit). */
  focusId?: string | undefined;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const focusIndex = focusId ? messages.findIndex((m) => m.id === focusId) : -1;
  // Opened on a message: not at the tail.
  const stuck = useRef(focusIndex === -1);
  const lastTop = useRef(0);
  const [atBottom, setAtBottom] = useState(focusIndex === -1);
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 140,
    overscan: 6,
    getItemKey: (index) => messages[index]?.id ?? index,
  });
  const textOf = (m: ChatMessageView) => (m.status === "streaming" ? (live[m.id]?.text ?? "") : m.content);
  // The stored sources once the answer is read back; the stream's while it is being written.
  const sourcesOf = (m: ChatMessageView) => m.sources ?? live[m.id]?.sources;
  const tail = messages.at(-1);
  const tailLength = tail ? textOf(tail).length : 0;

  const toBottom = () => {
    if (messages.length) virtualizer.scrollToIndex(messages.length - 1, { align: "end" });
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };
  // Follow new messages and streaming text while the reader is at the bottom.
  // A new exchange (the reader just sent, or regenerated) brings the reader to it; another
  // version of a message higher up (a shorter or longer path) leaves the reader where they are.
  const count = useRef(messages.length);
  const tailStreams = tail?.status === "streaming";
  useLayoutEffect(() => {
    if (messages.length !== count.current) {
      count.current = messages.length;
      if (tailStreams) {
        stuck.current = true;
        setAtBottom(true);
      }
    }
    if (stuck.current) toBottom();
  }, [messages.length, tailLength, tailStreams]);
  // Sizes are measured after the first paint; settle at the bottom once they are known.
  useEffect(() => {
    const id = requestAnimationFrame(() => {
      if (stuck.current) toBottom();
    });
    return () => {
      cancelAnimationFrame(id);
    };
  });

  // To the message a search opened, once its neighbours are measured; then focus on it.
  useLayoutEffect(() => {
    if (focusIndex === -1) return;
    stuck.current = false;
    setAtBottom(false);
    virtualizer.scrollToIndex(focusIndex, { align: "center" });
    const id = requestAnimationFrame(() => {
      virtualizer.scrollToIndex(focusIndex, { align: "center" });
      scroller.current?.querySelector<HTMLElement>(".message-found")?.focus({ preventScroll: true });
    });
    return () => {
      cancelAnimationFrame(id);
    };
    // Only when another message is asked for (not on every change of the list).
  }, [focusId, focusIndex === -1]);

  return (
    <div
      className="messages-scroller"
      ref={scroller}
      // Focusable so that keyboard users scroll it with the arrow and Page keys.
      role="region"
      aria-label="Conversation"
      tabIndex={0}
      onScroll={(event) => {
        const el = event.currentTarget;
        // Only the reader scrolling up lets go of the tail: rows measured while following it
        // change the distance to the bottom without anyone scrolling.
        if (el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX) stuck.current = true;
        else if (el.scrollTop < lastTop.current - 1) stuck.current = false;
        lastTop.current = el.scrollTop;
        if (stuck.current !== atBottom) setAtBottom(stuck.current);
      }}
    >
      <ol className="messages" aria-label="Messages" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => {
          const message = messages[row.index];
          if (!message) return null;
          return (
            <li
              key={row.key}
              ref={virtualizer.measureElement}
              data-index={row.index}
              className={`message message-${message.role}${message.id === focusId ? " message-found" : ""}`}
              {...(message.id === focusId ? { tabIndex: -1, "aria-current": "true" as const } : {})}
              data-status={message.status}
              aria-setsize={messages.length}
              aria-posinset={row.index + 1}
              style={{ transform: `translateY(${row.start}px)` }}
            >
              <MessageItem
                message={message}
                text={textOf(message)}
                sources={sourcesOf(message)}
                waiting={message.status === "streaming" ? live[message.id]?.waiting : undefined}
                actions={actionsFor(message)}
              />
            </li>
          );
        })}
      </ol>
      {!atBottom && (
        <button
          type="button"
          className="jump"
          onClick={() => {
            stuck.current = true;
            setAtBottom(true);
            toBottom();
          }}
        >
          <Icon name="down" /> Latest
        </button>
      )}
    </div>
  );
}
