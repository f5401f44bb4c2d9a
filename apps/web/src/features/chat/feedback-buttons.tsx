import type { ChatMessageView, FeedbackRating, MessageFeedback } from "@parley/contracts";
import { useState } from "react";
import { api } from "../../api.ts";
import { Icon } from "../../components/ui/icons.tsx";
import { errorText } from "../../failures.ts";

/**
 * Thumbs up or down on a completed answer: one rating per person; pressing the pressed one takes
 * it back. The answer's persona version (if any) counts them in its stats.
 */
export function FeedbackButtons({ message }: { message: ChatMessageView }) {
  const [mine, setMine] = useState<FeedbackRating | null>(message.feedback?.mine ?? null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const rate = async (rating: FeedbackRating) => {
    const next = mine === rating ? null : rating;
    setBusy(true);
    setError(null);
    try {
      const saved = await api<MessageFeedback>(
        `/api/v1/conversations/${message.conversationId}/messages/${message.id}/feedback`,
        { method: "PUT", body: { rating: next } },
      );
      setMine(saved.mine);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="feedback" role="group" aria-label="Rate this answer">
      <button
        type="button"
        className="ghost small"
        aria-pressed={mine === "up"}
        aria-label="Good answer"
        title="Good answer"
        disabled={busy}
        onClick={() => void rate("up")}
      >
        <Icon name="thumb-up" />
      </button>
      <button
        type="button"
        className="ghost small"
        aria-pressed={mine === "down"}
        aria-label="Bad answer"
        title="Bad answer"
        disabled={busy}
        onClick={() => void rate("down")}
      >
        <Icon name="thumb-down" />
      </button>
      {error && (
        <span role="alert" className="failure-inline">
          {error}
        </span>
      )}
    </span>
  );
}
