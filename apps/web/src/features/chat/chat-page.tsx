import type { Conversation, ItemList, Model } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { Drawer } from "../../components/ui/dialog.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { useMediaQuery } from "../../components/ui/use-media-query.ts";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { AssistantPicker } from "./assistant-picker.tsx";
import { mayStartChats } from "./chat-access.ts";
import { lastModel } from "./last-model.ts";
import { newChatTeam } from "./new-chat-team.ts";
import { ConversationSidebar } from "./conversation-sidebar.tsx";
import { ConversationView } from "./conversation-view.tsx";

/** Conversations on the left (a drawer on a phone), the open one on the right. */
export function ChatPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const narrow = useMediaQuery("(max-width: 760px)");
  const [drawer, setDrawer] = useState(false);
  const search = useRef<HTMLInputElement>(null);
  const me = useMe().data;
  // Only those who may call a model list them (a viewer's list would be a 403).
  const usesAi = me?.permissions.includes("ai:use") ?? false;
  const models = useQuery({
    queryKey: ["models"],
    queryFn: () => api<ItemList<Model>>("/api/v1/models"),
    enabled: usesAi,
  });
  const startsChats = mayStartChats(me);
  const noModel = usesAi && models.isSuccess && models.data.items.length === 0;
  const canManageProviders = me?.permissions.includes("providers:manage") ?? false;
  const create = useMutation({
    mutationFn: () => {
      const teamId = me ? newChatTeam(me) : undefined;
      return api<Conversation>("/api/v1/conversations", {
        method: "POST",
        body: {
          // The model picked last in this browser, else the server's default.
          ...(models.data?.items.some((m) => m.id === lastModel()) ? { model: lastModel() } : {}),
          // Without chats of their own (an invited viewer), a new chat starts in their team.
          ...(teamId ? { teamId } : {}),
        },
      });
    },
    onSuccess: async (conversation) => {
      setDrawer(false);
      await queryClient.invalidateQueries({ queryKey: ["conversations"] });
      await navigate(`/c/${conversation.id}`);
    },
  });
  const newChat = () => {
    if (startsChats && !create.isPending) create.mutate();
  };

  // Keyboard: Ctrl/⌘+Shift+O starts a chat, Ctrl/⌘+K searches.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.shiftKey && event.key.toLowerCase() === "o") {
        event.preventDefault();
        newChat();
      } else if (mod && !event.shiftKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        if (narrow) setDrawer(true);
        requestAnimationFrame(() => search.current?.focus());
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  });

  const sidebar = (
    <ConversationSidebar
      activeId={id}
      onNewChat={startsChats ? newChat : null}
      creating={create.isPending}
      searchRef={search}
      {...(narrow
        ? {
            onNavigate: () => {
              setDrawer(false);
            },
          }
        : {})}
    />
  );
  return (
    <div className="chat-layout">
      <a className="skip-link" href="#composer">
        Skip to message box
      </a>
      {narrow ? (
        <Drawer open={drawer} onOpenChange={setDrawer} title="Conversations">
          {sidebar}
        </Drawer>
      ) : (
        <aside className="sidebar">{sidebar}</aside>
      )}
      <main className="conversation">
        {id ? (
          <ConversationView
            key={id}
            id={id}
            models={models.data?.items ?? []}
            onOpenSidebar={
              narrow
                ? () => {
                    setDrawer(true);
                  }
                : null
            }
          />
        ) : (
          <div className="empty">
            {narrow && (
              <button
                type="button"
                className="icon-button corner"
                aria-label="Open conversations"
                onClick={() => {
                  setDrawer(true);
                }}
              >
                <Icon name="menu" />
              </button>
            )}
            <span className="logo big" aria-hidden="true">
              P
            </span>
            <h1>What are we working on?</h1>
            <p className="muted">
              Chat with any model your team has connected. Answers stream live and survive reloads.
            </p>
            {noModel && (
              <p className="notice-warn">
                No model is connected yet.{" "}
                {canManageProviders ? (
                  <>
                    <Link to="/admin/models">Add a provider</Link> to start chatting.
                  </>
                ) : (
                  "Ask an administrator to connect one."
                )}
              </p>
            )}
            {startsChats ? (
              <>
                <button
                  type="button"
                  className="primary"
                  onClick={newChat}
                  disabled={create.isPending || noModel}
                >
                  <Icon name="plus" /> New chat
                </button>
                <Alert>{create.error ? errorText(create.error) : null}</Alert>
                <AssistantPicker />
              </>
            ) : (
              <p className="notice" role="note">
                You can read your teams&apos; conversations. Starting a chat needs the developer role in a
                team; ask a team admin.
              </p>
            )}
          </div>
        )}
      </main>
    </div>
  );
}
