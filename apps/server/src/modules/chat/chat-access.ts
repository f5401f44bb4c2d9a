import { can, teamsWhere, type Principal } from "../../kernel/principal.ts";

/**
 * The conversations a caller may read, as the list and the search look for them: their own
 * personal ones (when they may read personal conversations) and every conversation of the teams
 * where they hold `conversations:read`.
 */
export function readableConversations(principal: Principal): { userId: string | null; teamIds: string[] } {
  return {
    userId: can(principal, "conversations:read", null) ? principal.userId : null,
    teamIds: teamsWhere(principal, "conversations:read"),
  };
}
