import { chatTopics, type ConversationWithMessages } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { appendReliably } from "./answer-log.ts";
import type { ChatService } from "./chat.service.ts";
import type { MessageBranchesRepository } from "./message-branches.repository.ts";

/** Dependencies of the branch service. */
export interface BranchServiceDeps {
  chat: Pick<ChatService, "visible" | "get">;
  branches: Pick<MessageBranchesRepository, "select">;
  bus: TypedBus;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Switching between the versions of a message (ADR 0031): edits and regenerations keep the
 * earlier versions with everything that followed them, and any of them can be made current
 * again. A conversation has one current path, shared by everyone who reads it.
 */
export class BranchService {
  readonly #d: BranchServiceDeps;
  constructor(deps: BranchServiceDeps) {
    this.#d = deps;
  }

  /**
   * Makes message `messageId` of the conversation current, with the path that continued under it
   * when it was left, and tells the conversation's readers (`conversation.branch_selected`).
   * @returns the conversation as it now reads.
   * @throws AppError `conversation.not_found`, `message.not_found` (not a message of this
   *   conversation), `auth.forbidden` (no conversations:write here), `resource.conflict` while an
   *   answer is streaming.
   */
  async select(
    conversationId: string,
    messageId: string,
    ctx: RequestContext,
  ): Promise<ConversationWithMessages> {
    const conversation = await this.#d.chat.visible(conversationId, ctx, "conversations:write");
    const outcome = await this.#d.branches.select(conversationId, messageId, this.#d.clock.now());
    if (outcome === "not_found")
      throw new AppError("message.not_found", `No message ${messageId} in this conversation`);
    if (outcome === "streaming") {
      throw new AppError(
        "resource.conflict",
        "An answer is still streaming in this conversation; wait for it or cancel it before switching versions",
      );
    }
    if (outcome.changed) {
      await this.#d.audit.record({
        ...auditOrigin(ctx),
        action: "message.version_selected",
        outcome: "success",
        target: { type: "conversation", id: conversationId },
        teamId: conversation.team_id,
        summary: { messageId, pathVersion: outcome.pathVersion, left: outcome.previousPath.at(-1) ?? null },
      });
      await appendReliably(this.#d.bus, chatTopics.answerLog(conversationId), {
        type: "conversation.branch_selected",
        messageId,
        pathVersion: outcome.pathVersion,
      });
    }
    return this.#d.chat.get(conversationId, ctx);
  }
}
