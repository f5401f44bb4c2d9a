import type { Assistant, ConversationWithMessages, CreatedConversation, Me, Model } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { errorText } from "../../failures.ts";
import { AssistantPicker } from "./assistant-picker.tsx";
import { NoModelNotice, StarterPrompts } from "./chat-notices.tsx";
import { Composer } from "./composer.tsx";
import { ConversationSettingsDialog, type ConversationSettings } from "./conversation-settings.tsx";
import { lastModel, rememberModel } from "./last-model.ts";
import { newChatTeam } from "./new-chat-team.ts";
import { useAttachments } from "./use-attachments.ts";
import { useDraft } from "./use-draft.ts";

/**
 * A chat not started yet: the message box, the model and (with `?assistant=<id>`) the assistant.
 * Nothing is stored until the first message is sent; then the conversation is created with it
 * in one request and opened.
 */
export function NewConversation({
  me,
  models,
  startsChats,
  onOpenSidebar,
}: {
  me: Me | null | undefined;
  models: Model[];
  startsChats: boolean;
  onOpenSidebar: (() => void) | null;
}) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const assistantId = params.get("assistant");
  const assistant = useQuery({
    queryKey: ["assistant", assistantId],
    queryFn: () => api<Assistant>(`/api/v1/assistants/${assistantId ?? ""}`),
    enabled: assistantId !== null,
  });
  const [draft, setDraft] = useDraft("new");
  const files = useAttachments();
  const [picked, setPicked] = useState<string | null>(null);
  // Instructions and parameters chosen before the first message, stored with it.
  const [settings, setSettings] = useState<ConversationSettings>({});
  const [settingsOpen, setSettingsOpen] = useState(false);
  // Only what was set: empty fields leave the model's defaults.
  const chosen = Object.fromEntries(Object.entries(settings).filter(([, v]) => v != null));
  const customised = Object.keys(chosen).length > 0;
  const composer = useRef<HTMLTextAreaElement>(null);
  const usesAi = me?.permissions.includes("ai:use") ?? false;
  const noModel = usesAi && models.length === 0;
  const canManageProviders = me?.permissions.includes("providers:manage") ?? false;
  const remembered = lastModel();
  // Picked here, else the assistant's, else the one picked last in this browser, else the first.
  const model =
    picked ??
    assistant.data?.model ??
    (remembered && models.some((m) => m.id === remembered) ? remembered : (models[0]?.id ?? ""));

  useEffect(() => {
    composer.current?.focus();
  }, [assistantId]);

  const create = useMutation({
    mutationFn: (content: string) => {
      const teamId = me ? newChatTeam(me) : undefined;
      return api<CreatedConversation>("/api/v1/conversations", {
        method: "POST",
        body: {
          message: { content, ...(files.ids.length ? { attachments: files.ids } : {}) },
          ...chosen,
          ...(assistantId ? { assistantId } : teamId ? { teamId } : {}),
          // The assistant's model unless another was picked here.
          ...(model && (picked !== null || !assistantId) ? { model } : {}),
        },
      });
    },
    onSuccess: async (created) => {
      setDraft("");
      files.clear();
      const { userMessage, assistantMessage, ...conversation } = created;
      // The conversation opens with its messages at once; the answer arrives on its event stream.
      queryClient.setQueryData<ConversationWithMessages>(["conversation", created.id], {
        ...conversation,
        messages: userMessage && assistantMessage ? [userMessage, assistantMessage] : [],
      });
      await queryClient.invalidateQueries({ queryKey: ["conversations"] });
      await navigate(`/c/${created.id}`);
    },
  });
  const send = () => {
    const content = draft.trim();
    if (content && !create.isPending) create.mutate(draft);
  };

  return (
    <div className="empty new-conversation">
      {onOpenSidebar && (
        <button
          type="button"
          className="icon-button corner"
          aria-label="Open conversations"
          onClick={onOpenSidebar}
        >
          <Icon name="menu" />
        </button>
      )}
      <span className="logo big" aria-hidden="true">
        P
      </span>
      <h1>What are we working on?</h1>
      <p className="muted">
        {assistant.data
          ? `${assistant.data.name} answers with its own instructions.`
          : "Chat with any model your team has connected. Answers stream live and survive reloads."}
      </p>
      {noModel && <NoModelNotice canManageProviders={canManageProviders} />}
      {!startsChats ? (
        <p className="notice" role="note">
          You can read your teams&apos; conversations. Starting a chat needs the developer role in a team; ask
          a team admin.
        </p>
      ) : (
        <>
          {assistant.data && (
            <p className="assistant-chip-row">
              <span className="assistant-chip">
                <span aria-hidden="true">{assistant.data.icon ?? "🤖"}</span> {assistant.data.name}
              </span>
              <button
                type="button"
                className="ghost small"
                onClick={() => {
                  setParams({});
                }}
              >
                Chat without an assistant
              </button>
            </p>
          )}
          <Alert>{assistant.error ? errorText(assistant.error) : null}</Alert>
          {assistant.data && (
            <StarterPrompts
              prompts={assistant.data.starterPrompts}
              onPick={(prompt) => {
                setDraft(prompt);
                composer.current?.focus();
              }}
            />
          )}
          <div className="composer-wrap">
            <p className="new-chat-settings">
              <button
                type="button"
                className="ghost small"
                onClick={() => {
                  setSettingsOpen(true);
                }}
              >
                {customised ? "Settings: your own" : "Settings…"}
              </button>
            </p>
            <ConversationSettingsDialog
              id={null}
              unsaved={settings}
              open={settingsOpen}
              onOpenChange={setSettingsOpen}
              onSave={setSettings}
            />
            <Alert>{create.error ? errorText(create.error) : null}</Alert>
            <Composer
              ref={composer}
              draft={draft}
              onDraft={setDraft}
              onSend={send}
              onStop={null}
              sending={create.isPending || noModel || !model || files.uploading}
              emptyLabel={usesAi ? "No models" : "Loading…"}
              attach={{ files: files.files, onAdd: files.add, onRemove: files.remove }}
              models={
                !model
                  ? [{ id: "" }]
                  : models.some((m) => m.id === model)
                    ? models
                    : [{ id: model }, ...models]
              }
              model={model}
              onModel={(next) => {
                rememberModel(next);
                setPicked(next);
              }}
            />
          </div>
          {!assistantId && (
            <AssistantPicker
              onPick={(id) => {
                setParams({ assistant: id });
              }}
            />
          )}
        </>
      )}
    </div>
  );
}
