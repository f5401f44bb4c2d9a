import { ConversationSearchHit, ConversationSearchQuery, pageOf } from "@parley/contracts";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { MessageSearchService } from "./message-search.service.ts";

/** The full-text search of conversations and their messages. */
export function registerMessageSearchRoutes(app: TypedApp, deps: { search: MessageSearchService }): void {
  app.get(
    "/api/v1/conversations/search",
    {
      config: { permission: "conversations:read" },
      schema: {
        tags: ["chat"],
        summary:
          "Search your conversations (and your teams'): titles first, then messages by relevance; snippets with the matches as ranges",
        querystring: ConversationSearchQuery,
        response: { 200: pageOf(ConversationSearchHit) },
      },
    },
    (request) => deps.search.search(request.query, contextOf(request)),
  );
}
