import { Alert } from "../../components/ui/alert.tsx";
import type { Conversation, ConversationWithMessages, SendMessageResponse } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type KeyboardEvent, type SyntheticEvent } from "react";
import { NavLink, useNavigate, useParams } from "react-router";
import { api, ApiError } from "../../api.ts";
import { ThemeSelect } from "../../components/ui/theme-select.tsx";
import { Markdown } from "./markdown.tsx";
import { useAnswerStream } from "./use-answer-stream.ts";

interface ModelList {
  items: { id: string; provider: string }[];
}

/** Conversations on the left, the open one on the right. */
export function ChatPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const conversations = useQuery({
    queryKey: ["conversations", search],
    queryFn: () =>
      api<{ items: Conversation[] }>(
        `/api/v1/conversations?limit=100${search ? `&q=${encodeURIComponent(search)}` : ""}`,
      ),
  });
  const models = useQuery({ queryKey: ["models"], queryFn: () => api<ModelList>("/api/v1/models") });
  const create = useMutation({
    mutationFn: () =>
      api<Conversation>("/api/v1/conversations", {
        method: "POST",
        body: { model: models.data?.items[0]?.id },
      }),
    onSuccess: async (conversation) => {
      await queryClient.invalidateQueries({ queryKey: ["conversations"] });
      await navigate(`/c/${conversation.id}`);
    },
  });

  return (
    <div className="chat-layout">
      <aside className="sidebar" aria-label="Conversations">
        <button
          type="button"
          className="primary"
          onClick={() => {
            create.mutate();
          }}
          disabled={create.isPending}
        >
          New chat
        </button>
        <input
          type="search"
          aria-label="Search conversations"
          placeholder="Search"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
          }}
        />
        <ThemeSelect />
        <NavLink to="/admin/models" className="admin-link">
          Administration
        </NavLink>
        <button
          type="button"
          onClick={() => {
            void api("/api/v1/auth/logout", { method: "POST" }).finally(() => {
              queryClient.clear();
              void navigate("/login");
            });
          }}
        >
          Sign out
        </button>
        <nav>
          {conversations.data?.items.length === 0 && <p className="muted">No conversations yet.</p>}
          <ul className="conversation-list">
            {conversations.data?.items.map((c) => (
              <li key={c.id}>
                <NavLink to={`/c/${c.id}`}>{c.title}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <main className="conversation">
        {id ? (
          <ConversationView key={id} id={id} models={models.data?.items ?? []} />
        ) : (
          <EmptyState
            onStart={() => {
              create.mutate();
            }}
          />
        )}
      </main>
    </div>
  );
}

function EmptyState({ onStart }: { onStart: () => void }) {
  return (
    <div className="empty">
      <h1>Parley</h1>
      <p className="muted">Start a conversation with any model your team has connected.</p>
      <button type="button" className="primary" onClick={onStart}>
        New chat
      </button>
    </div>
  );
}

function ConversationView({ id, models }: { id: string; models: ModelList["items"] }) {
  const queryClient = useQueryClient();
  const conversation = useQuery({
    queryKey: ["conversation", id],
    queryFn: () => api<ConversationWithMessages>(`/api/v1/conversations/${id}`),
  });
  const { live, connected } = useAnswerStream(id);
  const [draft, setDraft] = useState("");
  const [model, setModel] = useState<string>("");
  const [error, setError] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const messages = conversation.data?.messages ?? [];
  const streaming = messages.find((m) => m.status === "streaming");
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  const composer = useRef<HTMLTextAreaElement>(null);

  const send = useMutation({
    mutationFn: (content: string) =>
      api<SendMessageResponse>(`/api/v1/conversations/${id}/messages`, {
        method: "POST",
        body: { content, ...(model ? { model } : {}) },
      }),
    onSuccess: async () => {
      setDraft("");
      setError(null);
      await queryClient.invalidateQueries({ queryKey: ["conversation", id] });
    },
    onError: (err) => {
      setError(
        err instanceof ApiError && err.code === "rate_limit.exceeded"
          ? `Slow down: ${err.message}`
          : err instanceof ApiError
            ? err.message
            : "Could not send the message",
      );
    },
  });
  const navigate = useNavigate();
  const rename = useMutation({
    mutationFn: (title: string) => api(`/api/v1/conversations/${id}`, { method: "PATCH", body: { title } }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["conversation", id] });
      await queryClient.invalidateQueries({ queryKey: ["conversations"] });
    },
  });
  const remove = useMutation({
    mutationFn: () => api(`/api/v1/conversations/${id}`, { method: "DELETE" }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["conversations"] });
      await navigate("/");
    },
  });
  const stop = useMutation({
    mutationFn: (messageId: string) => api(`/api/v1/messages/${messageId}/cancel`, { method: "POST" }),
  });

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [messages.length, live]);

  const submit = (event?: SyntheticEvent) => {
    event?.preventDefault();
    if (draft.trim() && !streaming) send.mutate(draft);
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  };

  if (conversation.isError) return <p role="alert">This conversation does not exist or is not yours.</p>;
  return (
    <>
      <header className="conversation-header">
        <h1>{conversation.data?.title ?? "…"}</h1>
        <button
          type="button"
          onClick={() => {
            const title = window.prompt("Rename conversation", conversation.data?.title ?? "");
            if (title?.trim()) rename.mutate(title.trim());
          }}
        >
          Rename
        </button>
        <button
          type="button"
          onClick={() => {
            if (window.confirm("Delete this conversation?")) remove.mutate();
          }}
        >
          Delete
        </button>
        <span
          className={`dot dot-${connected ? "up" : "down"}`}
          role="img"
          title={connected ? "Live" : "Reconnecting"}
          aria-label={connected ? "Live" : "Reconnecting"}
        />
      </header>
      <ol className="messages" aria-live="polite">
        {messages.map((m) => {
          const text = m.status === "streaming" ? (live[m.id]?.text ?? "") : m.content;
          return (
            <li key={m.id} className={`message message-${m.role}`} data-status={m.status}>
              <div className="role">{m.role === "user" ? "You" : (m.model ?? "Assistant")}</div>
              {m.role === "assistant" ? <Markdown text={text} /> : <p className="user-text">{m.content}</p>}
              {m.role === "user" && !streaming && m.id === lastUser?.id && (
                <div className="message-actions">
                  <button
                    type="button"
                    onClick={() => {
                      setDraft(m.content);
                      composer.current?.focus();
                    }}
                  >
                    Edit and resend
                  </button>
                  <button
                    type="button"
                    onClick={() => {
                      send.mutate(m.content);
                    }}
                  >
                    Regenerate
                  </button>
                </div>
              )}
              {m.status === "streaming" && <span className="typing">Generating…</span>}
              {m.status === "failed" && (
                <p role="alert" className="error">
                  {m.error?.message ?? "The answer failed."}
                </p>
              )}
              {m.status === "cancelled" && <p className="muted">Stopped.</p>}
              {m.status === "completed" && m.role === "assistant" && m.usage && (
                <p className="meta">
                  {m.usage.inputTokens} in · {m.usage.outputTokens} out
                  {m.timings.ttftMs !== null ? ` · first token ${m.timings.ttftMs} ms` : ""}
                  {m.timings.durationMs !== null ? ` · ${(m.timings.durationMs / 1000).toFixed(1)} s` : ""}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      <div ref={bottom} />
      <form className="composer" onSubmit={submit}>
        <Alert>{error}</Alert>
        <label className="visually-hidden" htmlFor="composer">
          Message
        </label>
        <textarea
          ref={composer}
          id="composer"
          rows={3}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
          }}
          onKeyDown={onKey}
        />
        <div className="composer-actions">
          <label>
            Model{" "}
            <select
              value={model}
              onChange={(e) => {
                setModel(e.target.value);
              }}
            >
              <option value="">{conversation.data?.model ?? "default"}</option>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                </option>
              ))}
            </select>
          </label>
          {streaming ? (
            <button
              type="button"
              onClick={() => {
                stop.mutate(streaming.id);
              }}
            >
              Stop
            </button>
          ) : (
            <button type="submit" className="primary" disabled={!draft.trim() || send.isPending}>
              Send
            </button>
          )}
        </div>
      </form>
    </>
  );
}
