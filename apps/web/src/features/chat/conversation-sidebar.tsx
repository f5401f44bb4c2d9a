import { MAX_SEARCH_CHARS, type Conversation, type Page } from "@parley/contracts";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useState, type Ref } from "react";
import { NavLink, useNavigate } from "react-router";
import { api } from "../../api.ts";
import { Icon } from "../../components/ui/icons.tsx";
import { ThemeSelect } from "../../components/ui/theme-select.tsx";
import { useMe } from "../auth/use-me.ts";
import { mayReadGovernance } from "../governance/governance-access.ts";
import { ConversationMenu } from "./conversation-menu.tsx";
import { SearchResults } from "./search-results.tsx";

const PAGE = 50;
const DAY = 24 * 60 * 60 * 1000;

/**
 * What makes administration worth a link: running the platform (a developer's own keys and
 * teams are on their account and team pages; the admin page still offers them by address).
 */
const ADMIN_PERMISSIONS = ["providers:read", "users:read", "usage:read", "audit:read"] as const;

/** Groups conversations by how recently they changed, as people scan them. */
function groupOf(updatedAt: string, now: number): string {
  const age = now - Date.parse(updatedAt);
  if (age < DAY) return "Today";
  if (age < 7 * DAY) return "Previous 7 days";
  if (age < 30 * DAY) return "Previous 30 days";
  return "Older";
}

/** The conversation list with search, new chat, and the account's links. */
export function ConversationSidebar({
  activeId,
  onNewChat,
  searchRef,
  onNavigate,
}: {
  activeId: string | undefined;
  /** Null when the user may not start chats (a viewer): no button. */
  onNewChat: (() => void) | null;
  searchRef: Ref<HTMLInputElement>;
  onNavigate?: () => void;
}) {
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search.trim());
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // A search looks in titles and messages (search-results.tsx); the list shows them all.
  const list = useInfiniteQuery({
    queryKey: ["conversations", ""],
    queryFn: ({ pageParam }) =>
      api<Page<Conversation>>(
        `/api/v1/conversations?limit=${PAGE}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: !q,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const now = Date.now();
  const groups = new Map<string, Conversation[]>();
  for (const c of items) {
    const name = groupOf(c.updatedAt, now);
    groups.set(name, [...(groups.get(name) ?? []), c]);
  }
  // Administration is offered to whoever may use one of its areas (the page offers only those).
  const isAdmin = ADMIN_PERMISSIONS.some((p) => me.data?.permissions.includes(p));

  return (
    <div className="sidebar-inner">
      <div className="brand">
        <span className="logo" aria-hidden="true">
          P
        </span>
        Parley
      </div>
      {onNewChat && (
        <button type="button" className="primary new-chat" onClick={onNewChat}>
          <Icon name="plus" /> New chat
          <kbd className="shortcut" aria-hidden="true">
            Ctrl ⇧ O
          </kbd>
        </button>
      )}
      <div className="search">
        <Icon name="search" />
        <input
          ref={searchRef}
          type="search"
          aria-label="Search conversations"
          placeholder="Search (Ctrl K)"
          maxLength={MAX_SEARCH_CHARS}
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
          }}
          onKeyDown={(e) => {
            // Down from the box goes to the first result.
            if (e.key !== "ArrowDown" || !q) return;
            const first = document.querySelector<HTMLAnchorElement>(".search-results a");
            if (first) {
              e.preventDefault();
              first.focus();
            }
          }}
        />
      </div>
      <nav aria-label="Conversations" className="conversation-nav">
        {q && <SearchResults q={q} activeId={activeId} {...(onNavigate ? { onNavigate } : {})} />}
        {!q && list.isPending && <p className="muted small-text">Loading…</p>}
        {!q && list.isError && (
          <p role="alert" className="error small-text">
            Could not load your conversations.
          </p>
        )}
        {!q && list.isSuccess && items.length === 0 && (
          <p className="muted small-text">No conversations yet.</p>
        )}
        {!q &&
          [...groups].map(([name, conversations]) => (
            <section key={name} aria-label={name}>
              <h2 className="group-title">{name}</h2>
              <ul className="conversation-list">
                {conversations.map((c) => (
                  <li key={c.id} className={c.id === activeId ? "active" : undefined}>
                    <NavLink to={`/c/${c.id}`} onClick={onNavigate} title={c.title}>
                      {c.title}
                    </NavLink>
                    <ConversationMenu id={c.id} title={c.title} active={c.id === activeId} />
                  </li>
                ))}
              </ul>
            </section>
          ))}
        {!q && list.hasNextPage && (
          <button
            type="button"
            className="ghost small"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {list.isFetchingNextPage ? "Loading…" : "Show more"}
          </button>
        )}
      </nav>
      <div className="account">
        <div className="who" title={me.data?.user.email}>
          <span className="avatar" aria-hidden="true">
            {(me.data?.user.name || me.data?.user.email || "?").slice(0, 1).toUpperCase()}
          </span>
          <span className="who-name">{me.data?.user.name || me.data?.user.email}</span>
        </div>
        <ThemeSelect />
        <NavLink to="/account" className="admin-link">
          Account
        </NavLink>
        <NavLink to="/teams" className="admin-link">
          Teams
        </NavLink>
        <NavLink to="/assistants" className="admin-link">
          Assistants
        </NavLink>
        <NavLink to="/knowledge" className="admin-link">
          Knowledge
        </NavLink>
        {me.data?.permissions.includes("guides:read") && (
          <NavLink to="/guides" className="admin-link">
            Guides
          </NavLink>
        )}
        {mayReadGovernance(me.data) && (
          <NavLink to="/governance" className="admin-link">
            Governance
          </NavLink>
        )}
        {isAdmin && (
          <NavLink to="/admin" className="admin-link">
            Administration
          </NavLink>
        )}
        <button
          type="button"
          className="ghost"
          onClick={() => {
            void api("/api/v1/auth/logout", { method: "POST" }).finally(() => {
              queryClient.clear();
              void navigate("/login");
            });
          }}
        >
          Sign out
        </button>
      </div>
    </div>
  );
}
