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

/**
 * Whether a conversation is held where `principal` talks: a channel's visitor reaches only their
 * own conversations through that widget or bot; everyone else only those of the web app and the
 * API (a visitor's conversations are not listed, searched or opened there).
 */
export function sameChannel(
  principal: Principal,
  row: { channel: string; channel_id: string | null; channel_subject: string | null },
): boolean {
  const channel = principal.channel;
  if (!channel) return row.channel === "web";
  return (
    row.channel === channel.kind && row.channel_id === channel.id && row.channel_subject === channel.subject
  );
}

/** The channel filter of a list or search for `principal` (see {@link sameChannel}). */
export function channelScope(principal: Principal): { id: string; subject: string } | null {
  return principal.channel ? { id: principal.channel.id, subject: principal.channel.subject } : null;
}
