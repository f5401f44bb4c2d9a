import type { MessageFeedback, SetMessageFeedback } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { requirePrincipal } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { PersonaService } from "../prompts/index.ts";
import type { ChatRepository } from "./chat.repository.ts";
import type { ChatService } from "./chat.service.ts";
import type { MessageFeedbackRepository } from "./message-feedback.repository.ts";

/** Dependencies of the feedback service. */
export interface FeedbackServiceDeps {
  chat: Pick<ChatService, "visible">;
  chats: Pick<ChatRepository, "findMessage">;
  feedback: MessageFeedbackRepository;
  /** Told every change, so that answers given with a persona version count for it. */
  personas: Pick<PersonaService, "feedbackChanged">;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Thumbs up or down on completed answers, by anyone who can write in the conversation (a rating
 * is a write, as a message is): one rating per person and answer, changed or taken back (null)
 * at will.
 */
export class FeedbackService {
  readonly #d: FeedbackServiceDeps;
  constructor(deps: FeedbackServiceDeps) {
    this.#d = deps;
  }

  /**
   * @throws AppError `conversation.not_found`, `message.not_found`, `message.feedback_not_allowed`.
   */
  async set(
    conversationId: string,
    messageId: string,
    input: SetMessageFeedback,
    ctx: RequestContext,
  ): Promise<MessageFeedback> {
    const conversation = await this.#d.chat.visible(conversationId, ctx, "conversations:write");
    const message = await this.#d.chats.findMessage(messageId);
    if (!message || message.conversation_id !== conversationId)
      throw new AppError("message.not_found", `No message ${messageId} in conversation ${conversationId}`);
    if (message.role !== "assistant" || message.status !== "completed")
      throw new AppError("message.feedback_not_allowed", "Only completed answers take thumbs");
    const userId = requirePrincipal(ctx).userId;
    const before = await this.#d.feedback.set({
      messageId,
      userId,
      rating: input.rating,
      comment: input.comment ?? null,
      now: this.#d.clock.now(),
    });
    // What this change adds to the answer's counts: concurrent changes add up, none is lost.
    const count = (rating: string | null) => ({
      up: rating === "up" ? 1 : 0,
      down: rating === "down" ? 1 : 0,
    });
    const [now, was] = [count(input.rating), count(before)];
    if (now.up !== was.up || now.down !== was.down)
      await this.#d.personas.feedbackChanged(messageId, { up: now.up - was.up, down: now.down - was.down });
    const summary = (await this.#d.feedback.summaries([messageId], userId)).get(messageId) ?? {
      up: 0,
      down: 0,
      mine: null,
      myComment: null,
    };
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action: "message.feedback_set",
      outcome: "success",
      target: { type: "message", id: messageId },
      teamId: conversation.team_id,
      summary: { conversationId, rating: input.rating },
    });
    return { messageId, up: summary.up, down: summary.down, mine: summary.mine, comment: summary.myComment };
  }
}
