import type { AnswerSource, ChatEvent } from "@parley/contracts";

/** The live text of one answer being streamed. `next` is the delta index expected next; null after a snapshot (resync on the next delta). */
export interface LiveAnswer {
  text: string;
  next: number | null;
  status: "streaming" | "done";
  /** The knowledge passages it is given with, once `message.sources` (or a snapshot) told them. */
  sources?: AnswerSource[];
  /** Set while a governance rule holds the answer for approval (until it starts, or ends). */
  waiting?: { ruleName: string; expiresAt: string };
}

/** Live answers by message id. */
export type LiveAnswers = Record<string, LiveAnswer>;

const fresh = (): LiveAnswer => ({ text: "", next: 0, status: "streaming" });

/**
 * Applies one conversation event to the live answers. Deltas apply in index order, each once: a
 * repeat (after a reconnect) is ignored, so resuming never duplicates text.
 * @example
 * applyEvent({}, { type: "message.delta", messageId: "m", index: 0, text: "Hi" }) // { m: { text: "Hi", next: 1, … } }
 */
export function applyEvent(answers: LiveAnswers, event: ChatEvent): LiveAnswers {
  const current = answers[event.messageId];
  switch (event.type) {
    case "message.waiting":
      return {
        ...answers,
        [event.messageId]: {
          ...(current ?? fresh()),
          waiting: { ruleName: event.ruleName, expiresAt: event.expiresAt },
        },
      };
    case "message.started":
      return current
        ? { ...answers, [event.messageId]: withoutWaiting(current) }
        : { ...answers, [event.messageId]: fresh() };
    case "message.sources":
      return { ...answers, [event.messageId]: { ...(current ?? fresh()), sources: event.sources } };
    case "message.delta": {
      const answer = current ?? fresh();
      if (answer.next !== null && event.index !== answer.next) return answers;
      return {
        ...answers,
        [event.messageId]: {
          ...answer,
          text: answer.text + event.text,
          next: event.index + 1,
          status: "streaming",
        },
      };
    }
    case "conversation.titled":
    case "conversation.branch_selected":
      // Another version became current: the conversation is read again; no answer changed.
      return answers;
    case "message.restarted":
      // Generated again from nothing (its worker died): what was shown goes, deltas count from 0.
      return { ...answers, [event.messageId]: fresh() };
    case "snapshot":
      return {
        ...answers,
        [event.messageId]: {
          text: event.text,
          next: null,
          status: event.status === "streaming" ? "streaming" : "done",
          ...(event.sources
            ? { sources: event.sources }
            : current?.sources
              ? { sources: current.sources }
              : {}),
        },
      };
    case "message.completed":
    case "message.failed":
    case "message.cancelled":
      return { ...answers, [event.messageId]: { ...withoutWaiting(current ?? fresh()), status: "done" } };
  }
}

function withoutWaiting(answer: LiveAnswer): LiveAnswer {
  if (!answer.waiting) return answer;
  const { waiting: _, ...rest } = answer;
  return rest;
}
