import type { ConversationSearchHit, Page } from "@parley/contracts";
import { useInfiniteQuery } from "@tanstack/react-query";
import type { KeyboardEvent } from "react";
import { Link } from "react-router";
import { api } from "../../api.ts";
import { MarkedText } from "../../components/ui/marked-text.tsx";
import { errorText } from "../../failures.ts";

const PAGE = 20;

/** Where a hit opens: the conversation, scrolled to the message that matched (`?m=`). */
export function hitHref(hit: ConversationSearchHit): string {
  return `/c/${hit.conversation.id}${hit.message ? `?m=${encodeURIComponent(hit.message.id)}` : ""}`;
}

/** Up and Down move between the results (Tab works too). */
function moveFocus(event: KeyboardEvent<HTMLUListElement>) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const links = [...event.currentTarget.querySelectorAll<HTMLAnchorElement>("a")];
  const at = links.indexOf(document.activeElement as HTMLAnchorElement);
  const next = links[event.key === "ArrowDown" ? Math.min(links.length - 1, at + 1) : Math.max(0, at - 1)];
  if (next) {
    event.preventDefault();
    next.focus();
  }
}

/**
 * The sidebar's search: conversations whose title matches, then messages by relevance, each with
 * its snippet and the matched words marked from the ranges the server sends (never its HTML).
 */
export function SearchResults({
  q,
  activeId,
  onNavigate,
}: {
  q: string;
  activeId: string | undefined;
  onNavigate?: () => void;
}) {
  const results = useInfiniteQuery({
    queryKey: ["conversation-search", q],
    queryFn: ({ pageParam }) =>
      api<Page<ConversationSearchHit>>(
        `/api/v1/conversations/search?limit=${PAGE}&q=${encodeURIComponent(q)}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const hits = results.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-label="Search results">
      <h2 className="group-title">Search results</h2>
      {results.isPending && <p className="muted small-text">Searching…</p>}
      {results.isError && (
        <p role="alert" className="error small-text">
          {errorText(results.error)}
        </p>
      )}
      <p className="visually-hidden" role="status">
        {results.isSuccess ? `${hits.length}${results.hasNextPage ? "+" : ""} results` : ""}
      </p>
      {results.isSuccess && hits.length === 0 && <p className="muted small-text">No messages match “{q}”.</p>}
      {hits.length > 0 && (
        <ul className="conversation-list search-results" onKeyDown={moveFocus}>
          {hits.map((hit) => (
            <li
              key={`${hit.conversation.id}:${hit.message?.id ?? ""}`}
              className={hit.conversation.id === activeId ? "active" : undefined}
            >
              <Link to={hitHref(hit)} onClick={onNavigate}>
                <span className="hit-title">
                  {hit.message ? (
                    hit.conversation.title
                  ) : (
                    <MarkedText text={hit.snippet} ranges={hit.highlights} />
                  )}
                </span>
                {hit.message && (
                  <span className="hit-snippet">
                    <span className="visually-hidden">
                      {hit.message.role === "user" ? "You: " : "Answer: "}
                    </span>
                    <MarkedText text={hit.snippet} ranges={hit.highlights} />
                  </span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {results.hasNextPage && (
        <button
          type="button"
          className="ghost small"
          disabled={results.isFetchingNextPage}
          onClick={() => void results.fetchNextPage()}
        >
          {results.isFetchingNextPage ? "Loading…" : "More results"}
        </button>
      )}
    </section>
  );
}
