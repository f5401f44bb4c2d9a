import { z } from "zod";

/** The longest snippet of a passage an answer keeps with its sources, in characters. */
export const MAX_SNIPPET_CHARS = 300;

/**
 * A passage of a knowledge base that an answer was given with, numbered as the answer cites it
 * (`[n]`). Kept with the answer (document, chunk, span in the document's text and a snippet), so
 * a reader can open the passage where it stands in its document.
 */
export const AnswerSource = z
  .object({
    /** The number the answer cites it by, from 1: `[1]` is the first source. */
    n: z.number().int().min(1),
    knowledgeBaseId: z.string(),
    documentId: z.string(),
    documentName: z.string(),
    chunkId: z.string(),
    headingPath: z.array(z.string()),
    /** Character span of the passage in its document's text (`GET …/documents/{id}/content`). */
    start: z.number().int(),
    end: z.number().int(),
    /** The passage's beginning, at most {@link MAX_SNIPPET_CHARS} characters. */
    snippet: z.string(),
  })
  .meta({ id: "AnswerSource" });
export type AnswerSource = z.infer<typeof AnswerSource>;
