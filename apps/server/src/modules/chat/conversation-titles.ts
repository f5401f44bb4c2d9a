import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { toString as mdastToString } from "mdast-util-to-string";
import type { Logger } from "pino";
import type { AiSurface } from "../../kernel/ai-call.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { AiPipeline } from "../ai/index.ts";
import type { ChatRepository } from "./chat.repository.ts";

/** The title of a conversation created without one, until its first message names it. */
export const UNTITLED = "New conversation";

/**
 * A title from a conversation's first message: the plain text of its first line that is not code
 * (markdown marks, links and inline code reduced to their text), at most 60 characters; the first
 * line of code when the message is only code.
 * @example titleFrom("**Why** is `ci` red?\nlogs: ...") // "Why is ci red?"
 */
export function titleFrom(content: string): string {
  const tree = fromMarkdown(content.slice(0, 4_000), {
    extensions: [gfm()],
    mdastExtensions: [gfmFromMarkdown()],
  });
  const block = tree.children.find(
    (node) => node.type !== "code" && node.type !== "html" && node.type !== "thematicBreak",
  );
  // A list is named by its first item.
  const prose = block?.type === "list" ? block.children[0] : block;
  const code = tree.children.find((node) => node.type === "code");
  const text = prose
    ? mdastToString(prose, { includeImageAlt: false })
    : code && "value" in code
      ? code.value
      : content;
  const line =
    text
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "";
  const words = line.replace(/\s+/g, " ");
  return words.length <= 60 ? words || UNTITLED : `${words.slice(0, 59).trimEnd()}…`;
}

/** Longest answer of the title model taken as a title (six words fit well within it). */
const MAX_TITLE_ANSWER_CHARS = 80;

/** Most characters of the question and of the answer a title is written from. */
const EXCERPT_CHARS = 2_000;

const TITLE_INSTRUCTIONS =
  "You name conversations. Reply with a title for the conversation below: at most six words, " +
  "in the language of the question, plain text without quotes, markdown or final punctuation.";

/** What naming a conversation needs. */
export interface TitlingDeps {
  chats: Pick<ChatRepository, "retitle">;
  pipeline: Pick<AiPipeline, "streamChat">;
  logger: Logger;
}

/**
 * Asks `model` (through the AI pipeline: governed, metered, audited like any call) for a title
 * after a conversation's first answer, and renames the conversation unless it was renamed since
 * (its title is no longer `current`). A failure leaves the title from the first message.
 * @returns the new title, or null when it was kept.
 */
export async function nameConversation(
  deps: TitlingDeps,
  call: {
    conversationId: string;
    current: string;
    question: string;
    answer: string;
    model: string;
    teamId: string | null;
    projectId: string | null;
    /** Where the conversation is held: `chat`, or a channel's (`widget`, `telegram`). */
    surface: AiSurface;
  },
  ctx: RequestContext,
): Promise<string | null> {
  try {
    const run = await deps.pipeline.streamChat(
      {
        surface: call.surface,
        teamId: call.teamId,
        assistantId: null,
        projectId: call.projectId,
        model: call.model,
        prompt: [
          { role: "system", content: TITLE_INSTRUCTIONS },
          {
            role: "user",
            content: [
              {
                type: "text",
                text: `Question:\n${call.question.slice(0, EXCERPT_CHARS)}\n\nAnswer:\n${call.answer.slice(0, EXCERPT_CHARS)}`,
              },
            ],
          },
        ],
        options: { temperature: 0.2, maxOutputTokens: 32 },
      },
      ctx,
    );
    let text = "";
    for await (const part of run.parts) if (part.type === "text") text += part.delta;
    const answer = text.replace(/^["'“”‘’\s]+|["'“”‘’.!\s]+$/g, "");
    // A model that answered the question instead of naming it wrote no title: keep the one there.
    if (answer.length > MAX_TITLE_ANSWER_CHARS) return null;
    const title = titleFrom(answer);
    if (title === UNTITLED || title === call.current) return null;
    return (await deps.chats.retitle(call.conversationId, call.current, title)) ? title : null;
  } catch (err) {
    deps.logger.warn({ err, conversationId: call.conversationId }, "could not name a conversation");
    return null;
  }
}
