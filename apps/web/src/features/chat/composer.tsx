import type { KeyboardEvent, Ref } from "react";
import { Icon } from "../../components/ui/icons.tsx";

/** The message box: Enter sends, Shift+Enter adds a line, Escape stops a streaming answer. */
export function Composer({
  ref,
  draft,
  onDraft,
  onSend,
  onStop,
  sending,
  models,
  model,
  onModel,
  emptyLabel,
}: {
  ref: Ref<HTMLTextAreaElement>;
  draft: string;
  onDraft: (text: string) => void;
  onSend: () => void;
  /** Set while an answer streams: the composer then offers Stop instead of Send. */
  onStop: (() => void) | null;
  sending: boolean;
  models: { id: string }[];
  model: string;
  onModel: (model: string) => void;
  /** What the picker says while it has no model to show. */
  emptyLabel: string;
}) {
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (!onStop) onSend();
    } else if (event.key === "Escape" && onStop) {
      event.preventDefault();
      onStop();
    }
  };
  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      <label className="visually-hidden" htmlFor="composer">
        Message
      </label>
      <textarea
        ref={ref}
        id="composer"
        rows={2}
        placeholder="Message Parley (Enter to send, Shift+Enter for a new line)"
        value={draft}
        onChange={(e) => {
          onDraft(e.target.value);
        }}
        onKeyDown={onKey}
        aria-describedby="composer-hint"
      />
      <div className="composer-actions">
        <label className="model-picker">
          <span className="visually-hidden">Model</span>
          <select
            value={model}
            onChange={(e) => {
              onModel(e.target.value);
            }}
          >
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id || emptyLabel}
              </option>
            ))}
          </select>
        </label>
        <span id="composer-hint" className="hint">
          {onStop ? "Esc stops the answer" : ""}
        </span>
        {onStop ? (
          <button type="button" className="round" onClick={onStop}>
            <Icon name="stop" /> Stop
          </button>
        ) : (
          <button type="submit" className="primary round" disabled={!draft.trim() || sending}>
            <Icon name="send" /> Send
          </button>
        )}
      </div>
    </form>
  );
}
