import type { AnswerSource, ChatMessageView } from "@parley/contracts";
import { useMemo, useState } from "react";
import { Icon } from "../../components/ui/icons.tsx";
import { describeFailure } from "../../failures.ts";
import { SentFiles } from "./attachment-chips.tsx";
import { CopyButton } from "./copy-button.tsx";
import { FeedbackButtons } from "./feedback-buttons.tsx";
import { Markdown, type Citations } from "./markdown.tsx";
import { MessageSources } from "./message-sources.tsx";
import { PassageDialog } from "./passage-dialog.tsx";
import { VersionSwitcher, type VersionDirection } from "./version-switcher.tsx";

/** What a message can do; absent actions are not offered (e.g. while an answer streams). */
export interface MessageActions {
  onEdit?: (content: string) => void;
  onRegenerate?: () => void;
  /** The reader may not write here (a viewer): no thumbs either. */
  readOnly?: boolean;
  /** Shows another version of the message (absent while that would be refused: an answer streams). */
  onSelectVersion?: (messageId: string, direction: VersionDirection) => void;
  /** Set on the version just switched to with that arrow: its switcher takes focus back. */
  focusVersion?: VersionDirection;
  /** The switcher took focus back. */
  onVersionFocused?: () => void;
}

/** `< 2/3 >` for a message with several versions; nothing for one with a single version. */
function Versions({ message, actions }: { message: ChatMessageView; actions: MessageActions }) {
  if (!message.versions) return null;
  return (
    <VersionSwitcher
      versions={message.versions}
      onSelect={actions.onSelectVersion}
      readOnly={actions.readOnly ?? false}
      focus={actions.focusVersion}
      onFocused={actions.onVersionFocused ?? noop}
    />
  );
}

function noop() {
  // Nothing to tell.
}

/** No sources: one array, so that memoized views see no change. */
const NONE: AnswerSource[] = [];

/**
 * One message: the user's text, or an answer as markdown with its state, usage and actions, and
 * its citations and sources when it was grounded in knowledge.
 */
export function MessageItem({
  message,
  text,
  sources,
  waiting,
  actions,
}: {
  message: ChatMessageView;
  /** The text to show (for a streaming answer, what has arrived so far). */
  text: string;
  /** The answer's knowledge sources (for a streaming answer, as the stream told them), if any. */
  sources: AnswerSource[] | undefined;
  /** Set while a governance rule holds the answer for approval. */
  waiting?: { ruleName: string; expiresAt: string } | undefined;
  actions: MessageActions;
}) {
  return message.role === "user" ? (
    <UserMessage message={message} actions={actions} />
  ) : (
    <AnswerMessage
      message={message}
      text={text}
      sources={sources ?? NONE}
      waiting={waiting}
      actions={actions}
    />
  );
}

function UserMessage({ message, actions }: { message: ChatMessageView; actions: MessageActions }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.content);
  const onEdit = actions.onEdit;
  if (editing && onEdit) {
    return (
      <form
        className="edit-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!draft.trim()) return;
          setEditing(false);
          onEdit(draft);
        }}
      >
        <label className="visually-hidden" htmlFor={`edit-${message.id}`}>
          Edit message
        </label>
        <textarea
          id={`edit-${message.id}`}
          value={draft}
          rows={Math.min(10, draft.split("\n").length + 1)}
          autoFocus
          onChange={(e) => {
            setDraft(e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key === "Escape") setEditing(false);
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <div className="row end">
          <button
            type="button"
            onClick={() => {
              setEditing(false);
            }}
          >
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!draft.trim()}>
            Save and send
          </button>
        </div>
      </form>
    );
  }
  return (
    <>
      <h2 className="visually-hidden">You said</h2>
      <p className="user-text">{message.content}</p>
      <SentFiles files={message.attachments} />
      {(onEdit !== undefined || message.versions !== undefined) && (
        <div className="message-actions">
          <Versions message={message} actions={actions} />
          {onEdit && (
            <button
              type="button"
              className="ghost small"
              onClick={() => {
                setDraft(message.content);
                setEditing(true);
              }}
            >
              <Icon name="edit" /> Edit
            </button>
          )}
        </div>
      )}
    </>
  );
}

function AnswerMessage({
  message,
  text,
  sources,
  waiting,
  actions,
}: {
  message: ChatMessageView;
  text: string;
  sources: AnswerSource[];
  waiting: { ruleName: string; expiresAt: string } | undefined;
  actions: MessageActions;
}) {
  const [opened, setOpened] = useState<AnswerSource | null>(null);
  const citations = useMemo<Citations | undefined>(
    () => (sources.length ? { sources, onOpen: setOpened } : undefined),
    [sources],
  );
  const failure =
    message.status === "failed" && message.error
      ? describeFailure(message.error.code, message.error.message)
      : null;
  return (
    <>
      <h2 className="role" title={new Date(message.createdAt).toLocaleString()}>
        {message.model ?? "Assistant"}
      </h2>
      {text ? (
        <Markdown text={text} {...(citations ? { citations } : {})} />
      ) : message.status === "completed" ? (
        <p className="muted">(empty answer)</p>
      ) : null}
      {message.status === "streaming" && waiting && (
        <p className="waiting" role="status">
          <span className="pulse" /> Waiting for approval: the rule “{waiting.ruleName}” holds this answer
          until someone approves it (no decision by {new Date(waiting.expiresAt).toLocaleTimeString()} means
          denied).
        </p>
      )}
      {message.status === "streaming" && !waiting && (
        <p className="typing" aria-hidden="true">
          <span className="pulse" /> Generating…
        </p>
      )}
      {failure && (
        <div role="alert" className="failure">
          <strong>{failure.title}.</strong> {failure.hint}{" "}
          <span className="muted">({message.error?.code})</span>
        </div>
      )}
      {message.status === "cancelled" && <p className="muted">Stopped.</p>}
      {citations && (
        <>
          <MessageSources text={text} sources={sources} onOpen={setOpened} />
          <PassageDialog
            source={opened}
            onClose={() => {
              setOpened(null);
            }}
          />
        </>
      )}
      {message.status === "streaming" && message.versions && (
        <div className="message-actions">
          <Versions message={message} actions={actions} />
        </div>
      )}
      {message.status !== "streaming" && (
        <div className="message-actions">
          <Versions message={message} actions={actions} />
          {text && <CopyButton text={() => text} label="Copy" />}
          {message.status === "completed" && !actions.readOnly && <FeedbackButtons message={message} />}
          {actions.onRegenerate && (
            <button type="button" className="ghost small" onClick={actions.onRegenerate}>
              <Icon name="retry" /> {failure ? "Retry" : "Regenerate"}
            </button>
          )}
          <Meta message={message} />
        </div>
      )}
    </>
  );
}

function Meta({ message }: { message: ChatMessageView }) {
  if (message.status !== "completed" || !message.usage) return null;
  const { ttftMs, durationMs } = message.timings;
  const parts = [`${message.usage.inputTokens} in · ${message.usage.outputTokens} out`];
  if (ttftMs !== null) parts.push(`first token ${ttftMs} ms`);
  if (durationMs !== null) {
    parts.push(`${(durationMs / 1000).toFixed(1)} s`);
    if (durationMs > 0) parts.push(`${Math.round((message.usage.outputTokens * 1000) / durationMs)} tok/s`);
  }
  return <span className="meta">{parts.join(" · ")}</span>;
}
