import { z } from "zod";

/** Longest search accepted, in characters (a longer one answers 400 `validation.failed`). */
export const MAX_SEARCH_CHARS = 200;

/**
 * `GET /api/v1/conversations/search`: the words of `q` (letters and digits; everything else
 * separates words and is never an operator), each also as a prefix, all of them in one message or
 * in a conversation's title.
 */
export const ConversationSearchQuery = z.strictObject({
  q: z.string().trim().min(1, "must not be empty").max(MAX_SEARCH_CHARS),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  /** Only the conversations of this team. */
  teamId: z.string().max(100).optional(),
  /** Only the conversations of this project. */
  projectId: z.string().max(100).optional(),
});
export type ConversationSearchQuery = z.infer<typeof ConversationSearchQuery>;

/** A range of a snippet to mark, in UTF-16 code units (JavaScript string indices), end excluded. */
export const TextRange = z
  .object({ start: z.number().int(), end: z.number().int() })
  .meta({ id: "TextRange" });
export type TextRange = z.infer<typeof TextRange>;

/**
 * One search hit: a message on a conversation's current path whose text matches, or (with
 * `message` null) a conversation whose title matches. The snippet is plain text (never HTML):
 * a client marks the `highlights` ranges itself.
 */
export const ConversationSearchHit = z
  .object({
    conversation: z.object({
      id: z.string(),
      title: z.string(),
      teamId: z.string().nullable(),
      projectId: z.string().nullable(),
      updatedAt: z.iso.datetime(),
    }),
    message: z
      .object({
        id: z.string(),
        role: z.enum(["user", "assistant", "system"]),
        createdAt: z.iso.datetime(),
      })
      .nullable(),
    /** Where the match is: a window of the message's text, or the title. */
    snippet: z.string(),
    highlights: z.array(TextRange),
  })
  .meta({ id: "ConversationSearchHit" });
export type ConversationSearchHit = z.infer<typeof ConversationSearchHit>;
