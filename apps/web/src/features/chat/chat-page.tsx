import type { ItemList, Model } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api } from "../../api.ts";
import { Drawer } from "../../components/ui/dialog.tsx";
import { useMediaQuery } from "../../components/ui/use-media-query.ts";
import { useMe } from "../auth/use-me.ts";
import { mayStartChats } from "./chat-access.ts";
import { ConversationSidebar } from "./conversation-sidebar.tsx";
import { ConversationView } from "./conversation-view.tsx";
import { NewConversation } from "./new-conversation.tsx";

/** Conversations on the left (a drawer on a phone), the open one on the right. */
export function ChatPage() {
  const { id } = useParams();
  const navigate = useNavigate();
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
  // A new chat is the empty screen; nothing is stored until its first message.
  const newChat = () => {
    setDrawer(false);
    void navigate("/");
    requestAnimationFrame(() => document.getElementById("composer")?.focus());
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
          <NewConversation
            me={me}
            models={models.data?.items ?? []}
            startsChats={startsChats}
            onOpenSidebar={
              narrow
                ? () => {
                    setDrawer(true);
                  }
                : null
            }
          />
        )}
      </main>
    </div>
  );
}
