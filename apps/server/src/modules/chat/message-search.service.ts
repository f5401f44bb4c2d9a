import type { ConversationSearchHit, ConversationSearchQuery } from "@parley/contracts";
import { decodeCursor, encodeCursor } from "../../db/cursor.ts";
import { searchWords } from "../../db/full-text.ts";
import { AppError } from "../../kernel/app-error.ts";
import { iso } from "../../kernel/ids.ts";
import { assertMayIn, requirePrincipal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { ProjectService } from "../projects/index.ts";
import { readableConversations } from "./chat-access.ts";
import type { MessageSearchRepository, SearchRow } from "./message-search.repository.ts";
import { snippetOf, substringMatches, wordMatches } from "./search-snippet.ts";

/** How deep a search pages: past this many hits the answer has no next page (refine the words). */
export const MAX_SEARCH_OFFSET = 1_000;

/** Dependencies of the message search. */
export interface MessageSearchDeps {
  search: MessageSearchRepository;
  /** A project filter the caller must see. */
  projects: Pick<ProjectService, "get">;
}

/**
 * Full-text search across the conversations the caller may read (the same ones the conversation
 * list shows): their titles, and the text of the messages on their current paths. ADR 0033.
 */
export class MessageSearchService {
  readonly #d: MessageSearchDeps;
  constructor(deps: MessageSearchDeps) {
    this.#d = deps;
  }

  async search(
    query: ConversationSearchQuery,
    ctx: RequestContext,
  ): Promise<{ items: ConversationSearchHit[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId)
      assertMayIn(principal, "conversations:read", query.teamId, "Searching this team's conversations");
    // A project the caller cannot see is unknown, not an empty list.
    if (query.projectId) await this.#d.projects.get(query.projectId, ctx);
    const offset = query.cursor ? decodeOffset(query.cursor) : 0;
    const words = searchWords(query.q);
    // Only punctuation, symbols or emoji: nothing any index holds.
    if (!words.length || offset >= MAX_SEARCH_OFFSET) return { items: [], nextCursor: null };
    const rows = await this.#d.search.search(
      words,
      {
        ...readableConversations(principal),
        ...(query.teamId ? { teamId: query.teamId } : {}),
        ...(query.projectId ? { projectId: query.projectId } : {}),
      },
      offset,
      query.limit + 1,
    );
    const page = rows.slice(0, query.limit);
    const next = offset + query.limit;
    return {
      items: page.map((row) => toHit(row, words)),
      nextCursor: rows.length > query.limit && next < MAX_SEARCH_OFFSET ? encodeCursor(`o${next}`) : null,
    };
  }
}

function toHit(row: SearchRow, words: readonly string[]): ConversationSearchHit {
  const conversation = {
    id: row.conversation_id,
    title: row.title,
    teamId: row.team_id,
    projectId: row.project_id,
    updatedAt: iso(row.updated_at),
  };
  if (row.message_id === null)
    return {
      conversation,
      message: null,
      snippet: row.title,
      highlights: substringMatches(row.title, words),
    };
  return {
    conversation,
    message: {
      id: row.message_id,
      role: row.role as "user" | "assistant" | "system",
      createdAt: iso(row.created_at ?? 0),
    },
    ...snippetOf(row.body, wordMatches(row.body, words)),
  };
}

/** @throws AppError `validation.failed` for a cursor this search did not make. */
function decodeOffset(cursor: string): number {
  const key = decodeCursor(cursor);
  const offset = /^o(\d{1,6})$/.exec(key)?.[1];
  if (offset === undefined)
    throw new AppError("validation.failed", "Invalid cursor", {
      details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
    });
  return Number(offset);
}
