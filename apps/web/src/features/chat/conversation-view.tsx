import type { Assistant, ChatMessageView, ConversationWithMessages } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { useMe } from "../auth/use-me.ts";
import { errorText } from "../../failures.ts";
import { mayWrite } from "./chat-access.ts";
import { NoModelNotice, StarterPrompts } from "./chat-notices.tsx";
import { Composer } from "./composer.tsx";
import { ConversationMenu } from "./conversation-menu.tsx";
import { rememberModel } from "./last-model.ts";
import { MessageList } from "./message-list.tsx";
import type { MessageActions } from "./message-item.tsx";
import { useAnswerStream, type StreamState } from "./use-answer-stream.ts";
import { useChatActions } from "./use-chat-actions.ts";
import { useAttachments } from "./use-attachments.ts";
import { useDraft } from "./use-draft.ts";
import type { VersionDirection } from "./version-switcher.tsx";

const STATE_LABEL: Record<StreamState, string> = {
  connecting: "Connecting",
  live: "Live",
  reconnecting: "Reconnecting…",
};

/** One conversation: header, messages streaming live, composer. */
export function ConversationView({
  id,
  models,
  onOpenSidebar,
}: {
  id: string;
  models: { id: string }[];
  onOpenSidebar: (() => void) | null;
}) {
  const conversation = useQuery({
    queryKey: ["conversation", id],
    queryFn: () => api<ConversationWithMessages>(`/api/v1/conversations/${id}`),
  });
  const assistantId = conversation.data?.assistantId ?? null;
  // The assistant the conversation is held with: its name in the header, its starter prompts.
  const assistant = useQuery({
    queryKey: ["assistant", assistantId],
    queryFn: () => api<Assistant>(`/api/v1/assistants/${assistantId ?? ""}`),
    enabled: assistantId !== null,
  }).data;
  const { live, state } = useAnswerStream(id);
  // A search hit opens the conversation on its message.
  const focusId = useSearchParams()[0].get("m") ?? undefined;
  const me = useMe().data;
  const canManageProviders = me?.permissions.includes("providers:manage") ?? false;
  // A viewer reads the conversation; nothing that would only be refused is offered.
  const writable = conversation.data ? mayWrite(me, conversation.data.teamId) : true;
  const actions = useChatActions(id);
  const [draft, setDraft] = useDraft(id);
  const files = useAttachments();
  const composer = useRef<HTMLTextAreaElement>(null);
  const messages = conversation.data?.messages ?? [];
  const streaming = messages.find((m) => m.status === "streaming");
  // The conversation's model, else its assistant's, else the server's default (the first listed).
  const model = conversation.data ? (conversation.data.model ?? assistant?.model ?? models[0]?.id ?? "") : "";
  const busy =
    Boolean(streaming) ||
    actions.send.isPending ||
    actions.regenerate.isPending ||
    actions.selectVersion.isPending;
  const error =
    actions.send.error ??
    actions.regenerate.error ??
    actions.selectVersion.error ??
    actions.update.error ??
    actions.stop.error;
  // The version just switched to with the keyboard or a click: its switcher takes focus back.
  const [switched, setSwitched] = useState<{ id: string; direction: VersionDirection } | null>(null);
  const versionFocused = useCallback(() => {
    setSwitched(null);
  }, []);

  useEffect(() => {
    composer.current?.focus();
  }, [id]);

  const stop = () => {
    if (streaming) actions.stop.mutate(streaming.id);
  };
  const send = () => {
    const content = draft.trim();
    if (!content || busy) return;
    actions.send.mutate(
      { content: draft, ...(files.ids.length ? { attachments: files.ids } : {}) },
      {
        onSuccess: () => {
          setDraft("");
          files.clear();
        },
      },
    );
  };
  // Any question can be edited and any answer regenerated: a new version, the earlier one kept
  // (with what followed it) behind `< 1/2 >`.
  const actionsFor = (message: ChatMessageView): MessageActions => {
    if (!writable) return { readOnly: true };
    const focus =
      switched?.id === message.id
        ? { focusVersion: switched.direction, onVersionFocused: versionFocused }
        : {};
    if (busy) return focus;
    const versions = {
      ...focus,
      onSelectVersion: (id: string, direction: VersionDirection) => {
        actions.selectVersion.mutate(id, {
          onSuccess: () => {
            setSwitched({ id, direction });
          },
        });
      },
    };
    if (message.role === "user")
      return {
        ...versions,
        onEdit: (content) => {
          actions.send.mutate({ content, editOf: message.id });
        },
      };
    if (message.role === "assistant")
      return {
        ...versions,
        onRegenerate: () => {
          actions.regenerate.mutate(message.id);
        },
      };
    return versions;
  };

  if (conversation.isError) {
    const missing =
      conversation.error instanceof ApiError && conversation.error.code === "conversation.not_found";
    return (
      <div className="empty">
        <p role="alert">
          {missing ? "This conversation does not exist, or it is not yours." : errorText(conversation.error)}
        </p>
        <Link to="/">Back to your chats</Link>
      </div>
    );
  }
  const title = conversation.data?.title ?? "…";
  return (
    <>
      <header className="conversation-header">
        {onOpenSidebar && (
          <button
            type="button"
            className="icon-button"
            aria-label="Open conversations"
            onClick={onOpenSidebar}
          >
            <Icon name="menu" />
          </button>
        )}
        <h1>{title}</h1>
        {assistant && (
          <Link
            to={`/assistants/${assistant.id}`}
            className="assistant-chip"
            title={assistant.description || assistant.name}
          >
            <span aria-hidden="true">{assistant.icon ?? "🤖"}</span> {assistant.name}
          </Link>
        )}
        <span className={`connection connection-${state}`} role="status">
          <span className="dot" aria-hidden="true" />
          {STATE_LABEL[state]}
        </span>
        <ConversationMenu id={id} title={title} active />
      </header>
      {conversation.isPending ? (
        <p className="muted center">Loading…</p>
      ) : messages.length === 0 ? (
        <div className="empty">
          <p className="muted">
            {assistant
              ? `${assistant.name} answers with its own instructions.`
              : "Ask anything. Answers stream live and survive reloads."}
          </p>
          {assistant && (
            <StarterPrompts
              prompts={assistant.starterPrompts}
              onPick={(prompt) => {
                setDraft(prompt);
                composer.current?.focus();
              }}
            />
          )}
        </div>
      ) : (
        <MessageList messages={messages} live={live} actionsFor={actionsFor} focusId={focusId} />
      )}
      <p className="visually-hidden" role="status">
        {streaming ? "The answer is being written" : ""}
      </p>
      {!writable ? (
        <p className="notice read-only" role="note">
          Read only: your role here is viewer, so you can read this conversation but not write in it.
        </p>
      ) : (
        <div className="composer-wrap">
          <Alert>{error ? errorText(error) : null}</Alert>
          {models.length === 0 && <NoModelNotice canManageProviders={canManageProviders} />}
          <Composer
            ref={composer}
            draft={draft}
            onDraft={setDraft}
            onSend={send}
            onStop={streaming ? stop : null}
            sending={busy || models.length === 0 || files.uploading}
            emptyLabel={conversation.data ? "No models" : "Loading…"}
            attach={{ files: files.files, onAdd: files.add, onRemove: files.remove }}
            models={
              !model ? [{ id: "" }] : models.some((m) => m.id === model) ? models : [{ id: model }, ...models]
            }
            model={model}
            onModel={(next) => {
              rememberModel(next);
              actions.update.mutate({ model: next });
            }}
          />
        </div>
      )}
    </>
  );
}
