import { useRef, useState, type ClipboardEvent, type DragEvent, type KeyboardEvent, type Ref } from "react";
import { Icon } from "../../components/ui/icons.tsx";
import { PendingFiles } from "./attachment-chips.tsx";
import type { PendingFile } from "./use-attachments.ts";

/** What the file picker offers (the server checks every file again). */
const ACCEPT =
  "image/png,image/jpeg,image/gif,image/webp,.pdf,.docx,.md,.markdown,.txt,.csv,.html,.htm,.json,.yaml,.yml,.xml,.log,.ts,.tsx,.js,.jsx,.py,.go,.rs,.java,.c,.h,.cpp,.cs,.rb,.php,.sh,.sql,.toml,.css,.diff,.patch";

/** Files to attach to the next message, when the composer offers attaching. */
export interface ComposerFiles {
  files: PendingFile[];
  onAdd: (files: File[]) => void;
  onRemove: (key: string) => void;
}

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
  attach,
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
  /** Files to send with the message (absent: no attaching). */
  attach?: ComposerFiles;
}) {
  const picker = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const onDrop = (event: DragEvent<HTMLFormElement>) => {
    setDragging(false);
    if (!attach || event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    attach.onAdd([...event.dataTransfer.files]);
  };
  // A pasted screenshot or file is attached; pasted text stays text.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    if (!attach || event.clipboardData.files.length === 0) return;
    event.preventDefault();
    attach.onAdd([...event.clipboardData.files]);
  };
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
      className={dragging ? "composer dragging" : "composer"}
      onDragOver={(event) => {
        if (!attach) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => {
        setDragging(false);
      }}
      onDrop={onDrop}
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      {attach && <PendingFiles files={attach.files} onRemove={attach.onRemove} />}
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
        onPaste={onPaste}
        aria-describedby="composer-hint"
      />
      <div className="composer-actions">
        {attach && (
          <>
            <button
              type="button"
              className="ghost small attach-button"
              aria-label="Attach files"
              title="Attach files (or drop or paste them)"
              onClick={() => picker.current?.click()}
            >
              <Icon name="paperclip" />
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              accept={ACCEPT}
              aria-label="Files to attach"
              onChange={(e) => {
                attach.onAdd([...(e.target.files ?? [])]);
                e.target.value = "";
              }}
            />
          </>
        )}
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
