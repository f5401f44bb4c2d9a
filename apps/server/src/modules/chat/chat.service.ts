import {
  chatTopics,
  MAX_MESSAGE_CHARS,
  type ConversationListQuery,
  type Conversation,
  type ConversationWithMessages,
  type CreateConversationRequest,
  type ChatAttachment,
  type ChatMessageView,
  type CreatedConversation,
  type GenerationJob,
  type RegenerateRequest,
  type RegenerateResponse,
  type SendMessageRequest,
  type SendMessageResponse,
  type UpdateConversationRequest,
} from "@parley/contracts";
import { decodeCursor, pageOf } from "../../db/cursor.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import type { Cache } from "../../platform/registry/registry.port.ts";
import { newId } from "../../kernel/ids.ts";
import {
  assertMayIn,
  can,
  reachesShared,
  requirePrincipal,
  type Principal,
  boundTeam,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { AssistantService } from "../assistants/index.ts";
import type { ProjectService } from "../projects/index.ts";
import type {
  ChatRepository,
  ConversationRow,
  ExchangeRefusal,
  MessageRow,
  StoredExchange,
} from "./chat.repository.ts";
import { channelScope, readableConversations, sameChannel } from "./chat-access.ts";
import { toConversation, toMessage } from "./chat-view.ts";
import type { AttachmentService } from "./attachments.service.ts";
import { chatKeys } from "./chat.keys.ts";
import { titleFrom, UNTITLED } from "./conversation-titles.ts";
import type { MessageFeedbackRepository } from "./message-feedback.repository.ts";
import type { MessageBranchesRepository } from "./message-branches.repository.ts";
import { versionsOf } from "./message-branches.ts";

/**
 * Refuses a message that is too long, blank, or holds a NUL character (which PostgreSQL cannot
 * store in text: refused here as bad input rather than failing the insert with a 500).
 * @throws AppError `request.body_too_large`, `validation.failed`.
 */
function checkContent(content: string, path = "content"): void {
  if (content.length > MAX_MESSAGE_CHARS) {
    throw new AppError(
      "request.body_too_large",
      `A message may hold at most ${MAX_MESSAGE_CHARS} characters`,
    );
  }
  if (!content.trim()) {
    throw new AppError("validation.failed", "The message is empty", {
      details: { issues: [{ location: "body", path, message: "must not be blank" }] },
    });
  }
  if (content.includes("\u0000")) {
    throw new AppError("validation.failed", "The message holds a NUL character", {
      details: { issues: [{ location: "body", path, message: "must not contain NUL characters" }] },
    });
  }
}

/** Dependencies of the chat service. */
export interface ChatServiceDeps {
  chats: ChatRepository;
  /** Thumbs on answers, shown with the messages. */
  feedback: Pick<MessageFeedbackRepository, "summaries">;
  /** The message tree, for each message's versions. */
  branches: Pick<MessageBranchesRepository, "tree">;
  bus: TypedBus;
  cache: Cache;
  audit: AuditSink;
  /** An assistant's settings for a call (checks the caller may see and use it). */
  assistants: Pick<AssistantService, "settingsFor">;
  /** A project a conversation of a team may be put in (checks the caller sees it). */
  projects: Pick<ProjectService, "get" | "inTeam">;
  clock: Clock;
  /** The model used when neither the message nor the conversation names one. */
  defaultModel: () => Promise<string | null>;
  /** Files sent with messages. */
  attachments: Pick<
    AttachmentService,
    "claim" | "copy" | "release" | "viewsOf" | "removeBlobs" | "blobKeysOfConversation"
  >;
  /** Whether a model (id or alias) reads images. */
  readsImages: (model: string) => Promise<boolean>;
}

/**
 * The key a request's `Idempotency-Key` is stored under: as given for a person or an API key (the
 * index makes it unique per user), prefixed with the channel and its visitor for a widget visitor
 * or a Telegram chat, who all act as the publisher: one visitor's key never finds another's
 * conversation.
 */
function keyOf(principal: Principal, options: SendOptions): string | undefined {
  const key = options.idempotencyKey;
  if (key === undefined) return undefined;
  const channel = principal.channel;
  return channel ? `${channel.kind}:${channel.id}:${channel.subject}:${key}` : key;
}

/** Whether `principal` reaches conversation `row` at all: its owner or team, on its channel. */
function reaches(principal: Principal, row: ConversationRow): boolean {
  return (
    reachesShared(principal, { ownerId: row.user_id, teamId: row.team_id }) && sameChannel(principal, row)
  );
}

/** How a send or a create is made. */
export interface SendOptions {
  /**
   * The request's `Idempotency-Key`: a retry with the same key (of a client, a proxy, a job
   * delivered again) answers what the first request stored instead of sending again.
   */
  idempotencyKey?: string | undefined;
}

/**
 * Conversations and sending: storing messages and handing generation to a worker through the
 * bus. The HTTP request that starts an answer is not the connection that carries it.
 */
export class ChatService {
  readonly #d: ChatServiceDeps;
  constructor(deps: ChatServiceDeps) {
    this.#d = deps;
  }

  /**
   * Starts a conversation; with `message`, stores it together with its first message and starts
   * the answer, or stores nothing when the message is refused.
   */
  async create(
    input: CreateConversationRequest,
    ctx: RequestContext,
    options: SendOptions = {},
  ): Promise<CreatedConversation> {
    const principal = requirePrincipal(ctx);
    if (input.message) checkContent(input.message.content, "message.content");
    const key = keyOf(principal, options);
    if (key !== undefined) {
      const again = await this.#createdBefore(principal.userId, key, input, ctx);
      if (again) return again;
    }
    const persona = input.assistantId ? await this.#d.assistants.settingsFor(input.assistantId, ctx) : null;
    const project = input.projectId ? await this.#d.projects.get(input.projectId, ctx) : null;
    // A key bound to a team (or a channel) starts its conversations in that team; an assistant or
    // a project, in its own.
    const teamId = input.teamId ?? persona?.teamId ?? project?.teamId ?? boundTeam(principal);
    const channel = principal.channel;
    if (project && project.teamId !== teamId)
      throw new AppError("project.not_found", `No project ${project.id} in the conversation's team`);
    if (persona && persona.teamId !== teamId)
      throw new AppError("validation.failed", "The assistant belongs to another team than the conversation", {
        details: {
          issues: [{ location: "body", path: "assistantId", message: "is not an assistant of this team" }],
        },
      });
    assertMayIn(principal, "conversations:write", teamId, "Starting a conversation here");
    const now = this.#d.clock.now();
    const row: ConversationRow = {
      id: newId(),
      user_id: principal.userId,
      team_id: teamId,
      title: input.title ?? (input.message ? titleFrom(input.message.content) : UNTITLED),
      model: input.model ?? null,
      assistant_id: persona?.id ?? null,
      project_id: project?.id ?? null,
      system_prompt: input.systemPrompt?.trim() ? input.systemPrompt : null,
      temperature: input.temperature ?? null,
      max_output_tokens: input.maxOutputTokens ?? null,
      created_at: now,
      updated_at: now,
      path_version: 0,
      channel: channel?.kind ?? "web",
      channel_id: channel?.id ?? null,
      channel_subject: channel?.subject ?? null,
      idempotency_key: key ?? null,
    };
    try {
      await this.#d.chats.insertConversation(row);
    } catch (error) {
      // The same request, retried at the same time: what the first one stores is the answer.
      if (key !== undefined && isUniqueViolation(error)) {
        const again = await this.#createdBefore(principal.userId, key, input, ctx);
        if (again) return again;
      }
      // The team was deleted since the caller's memberships were read.
      if (row.team_id && isForeignKeyViolation(error))
        throw new AppError("team.not_found", `No team ${row.team_id}`, { cause: error });
      throw error;
    }
    await this.#audit(ctx, "conversation.created", row, {
      title: row.title,
      ...(row.system_prompt ? { systemPrompt: { chars: row.system_prompt.length } } : {}),
    });
    if (!input.message) return toConversation(row);
    try {
      const sent = await this.#sendFirst(
        row,
        input.message.content,
        input.message.attachments ?? [],
        ctx,
        key,
      );
      return { ...toConversation(row), ...sent };
    } catch (error) {
      // A retry of this request sent the first message meanwhile: the conversation stays.
      const again = key === undefined ? null : await this.#sentBefore(row, key, input.message.content);
      if (again) return { ...toConversation(row), ...again };
      // Refused (no model, no ai:use, ...): the conversation goes too, so none is left empty.
      await this.#d.chats.deleteConversation(row.id);
      await this.#audit(ctx, "conversation.deleted", row, {
        title: row.title,
        reason: "first message refused",
      });
      throw error;
    }
  }

  /**
   * What an earlier request with idempotency key `key` started for the user, as a retry answers
   * it: the conversation and its first exchange; the first message sent now when that request
   * stored the conversation and died before its message (or is sending it at this moment: one of
   * the two stores it, the other answers with it); null when there is no such conversation.
   * @throws AppError `idempotency.key_reused` (the key started a conversation with another message).
   */
  async #createdBefore(
    userId: string,
    key: string,
    input: CreateConversationRequest,
    ctx: RequestContext,
  ): Promise<CreatedConversation | null> {
    const row = await this.#d.chats.conversationByKey(userId, key);
    if (!row) return null;
    // Keys are per user (see keyOf); a conversation this caller may not reach or write (a key bound
    // to another team, a channel's other visitor) is never answered with, as `visible` would refuse it.
    const principal = requirePrincipal(ctx);
    if (!reaches(principal, row))
      throw new AppError("idempotency.key_reused", "This Idempotency-Key was used for another conversation");
    assertMayIn(principal, "conversations:write", row.team_id, "This");
    const conversation = toConversation(row);
    if (!input.message) return conversation;
    const sent = await this.#sentBefore(row, key, input.message.content);
    if (sent) return { ...conversation, ...sent };
    try {
      return {
        ...conversation,
        ...(await this.#sendFirst(row, input.message.content, input.message.attachments ?? [], ctx, key)),
      };
    } catch (error) {
      const again = await this.#sentBefore(row, key, input.message.content);
      if (again) return { ...conversation, ...again };
      throw error;
    }
  }

  /**
   * The exchange a message sent with idempotency key `key` stored in `conversation`, as its
   * response; null when none was.
   * @throws AppError `idempotency.key_reused` when the key was used for another message.
   */
  async #sentBefore(
    conversation: ConversationRow,
    key: string,
    content: string,
  ): Promise<SendMessageResponse | null> {
    const found = await this.#d.chats.exchangeByKey(conversation.id, key);
    if (!found?.assistant) return null;
    if (found.user.content !== content)
      throw new AppError(
        "idempotency.key_reused",
        "This Idempotency-Key was used for another message; send a new message with a new key",
      );
    const files = (await this.#d.attachments.viewsOf([found.user.id])).get(found.user.id) ?? [];
    return {
      userMessage: withFiles(toMessage(found.user), files),
      assistantMessage: toMessage(found.assistant),
    };
  }

  async #sendFirst(
    conversation: ConversationRow,
    content: string,
    attachmentIds: readonly string[],
    ctx: RequestContext,
    key: string | undefined,
  ) {
    const now = this.#d.clock.now();
    const user: MessageRow = {
      ...this.#blank(conversation.id, now),
      role: "user",
      content,
      status: "completed",
      completed_at: now,
      idempotency_key: key ?? null,
    };
    const stored = await this.#start(
      conversation,
      { user, model: undefined, replaces: undefined, attachmentIds },
      ctx,
    );
    await this.#audit(ctx, "message.sent", conversation, {
      messageId: user.id,
      answerId: stored.assistant.id,
      model: stored.assistant.model,
      ...(stored.files.length ? { attachments: stored.files.map((f) => f.id) } : {}),
    });
    return {
      userMessage: withFiles(toMessage(stored.user ?? user), stored.files),
      assistantMessage: toMessage(stored.assistant),
    };
  }

  async list(
    query: ConversationListQuery,
    ctx: RequestContext,
  ): Promise<{ items: Conversation[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId)
      assertMayIn(principal, "conversations:read", query.teamId, "Listing this team's conversations");
    // A project the caller cannot see is unknown, not an empty list.
    if (query.projectId) await this.#d.projects.get(query.projectId, ctx);
    const rows = await this.#d.chats.listConversations({
      ...readableConversations(principal),
      channel: channelScope(principal),
      limit: query.limit + 1,
      ...(query.q ? { q: query.q } : {}),
      ...(query.teamId ? { teamId: query.teamId } : {}),
      ...(query.projectId ? { projectId: query.projectId } : {}),
      ...(query.cursor ? { before: parseConversationCursor(query.cursor) } : {}),
    });
    return pageOf(rows, query.limit, (r) => `${r.updated_at}:${r.id}`, toConversation);
  }

  async get(id: string, ctx: RequestContext): Promise<ConversationWithMessages> {
    const row = await this.visible(id, ctx, "conversations:read");
    const messages = await this.#d.chats.messages(id);
    const [feedback, files, tree] = await Promise.all([
      this.#d.feedback.summaries(
        messages.filter((m) => m.role === "assistant").map((m) => m.id),
        requirePrincipal(ctx).userId,
      ),
      this.#d.attachments.viewsOf(messages.filter((m) => m.role === "user").map((m) => m.id)),
      this.#d.branches.tree(id),
    ]);
    const versions = versionsOf(tree);
    return {
      ...toConversation(row),
      messages: messages.map((m) =>
        withFiles(toMessage(m, feedback.get(m.id), versions.get(m.id)), files.get(m.id)),
      ),
    };
  }

  async update(id: string, patch: UpdateConversationRequest, ctx: RequestContext): Promise<Conversation> {
    const row = await this.visible(id, ctx, "conversations:write");
    if (patch.projectId) await this.#d.projects.inTeam(patch.projectId, row.team_id, ctx);
    const { projectId, systemPrompt, temperature, maxOutputTokens, ...fields } = patch;
    const changes = {
      ...fields,
      ...(projectId !== undefined ? { project_id: projectId } : {}),
      // An empty prompt is none.
      ...(systemPrompt !== undefined ? { system_prompt: systemPrompt?.trim() ? systemPrompt : null } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxOutputTokens !== undefined ? { max_output_tokens: maxOutputTokens } : {}),
      updated_at: this.#d.clock.now(),
    };
    await this.#d.chats.updateConversation(id, changes);
    // The prompt's size, not its text, goes on record.
    await this.#audit(ctx, "conversation.updated", row, {
      ...patch,
      ...(systemPrompt !== undefined
        ? { systemPrompt: systemPrompt === null ? null : { chars: systemPrompt.length } }
        : {}),
    });
    return toConversation({ ...row, ...changes });
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.visible(id, ctx, "conversations:write");
    const blobs = await this.#d.attachments.blobKeysOfConversation(id);
    await this.#d.chats.deleteConversation(id);
    // The rows went with the conversation; their bytes go now.
    await this.#d.attachments.removeBlobs(blobs);
    await this.#audit(ctx, "conversation.deleted", row, { title: row.title });
  }

  /**
   * How many conversations visitors hold on a channel (a widget's, a bot's). For its owner's
   * service, which authorized the caller on the channel: no principal is checked here.
   */
  channelConversationCount(channel: { kind: "widget" | "telegram"; id: string }): Promise<number> {
    return this.#d.chats.countChannelConversations(channel.kind, channel.id);
  }

  /**
   * Deletes every conversation held on a channel, with their messages and attached files (the
   * channel itself is being deleted). For its owner's service, which authorized the caller and
   * audits the deletion: no principal is checked here.
   * @returns how many were deleted.
   */
  async deleteChannelConversations(channel: { kind: "widget" | "telegram"; id: string }): Promise<number> {
    const ids = await this.#d.chats.channelConversationIds(channel.kind, channel.id);
    for (const id of ids) {
      const blobs = await this.#d.attachments.blobKeysOfConversation(id);
      await this.#d.chats.deleteConversation(id);
      await this.#d.attachments.removeBlobs(blobs);
    }
    return ids.length;
  }

  /**
   * Stores the user's message and a `streaming` answer, then publishes the generation job. With
   * `editOf`, the new message is a new version of that earlier user message: it and everything
   * after it leave the current path (kept as a branch, see ADR 0031).
   * @throws AppError `resource.conflict` while an answer is streaming (or when the conversation's
   *   path changed meanwhile: a concurrent send or version switch), `request.body_too_large`,
   *   `resource.not_found` for an `editOf` that is not a current user message of the conversation.
   */
  async send(
    conversationId: string,
    input: SendMessageRequest,
    ctx: RequestContext,
    options: SendOptions = {},
  ): Promise<SendMessageResponse> {
    const conversation = await this.visible(conversationId, ctx, "conversations:write");
    checkContent(input.content);
    const key = keyOf(requirePrincipal(ctx), options);
    // Sent before with this key: the same answer again, nothing asked twice.
    const before = key === undefined ? null : await this.#sentBefore(conversation, key, input.content);
    if (before) return before;
    try {
      return await this.#send(conversation, input, ctx, key);
    } catch (error) {
      // The same request, retried at the same time, stored it (this one was refused, or hit the key's index).
      const again = key === undefined ? null : await this.#sentBefore(conversation, key, input.content);
      if (again) return again;
      throw error;
    }
  }

  async #send(
    conversation: ConversationRow,
    input: SendMessageRequest,
    ctx: RequestContext,
    key: string | undefined,
  ): Promise<SendMessageResponse> {
    const conversationId = conversation.id;
    const edited = input.editOf ? await this.#current(conversationId, input.editOf, "user") : undefined;
    const now = this.#d.clock.now();
    const user: MessageRow = {
      ...this.#blank(conversationId, now),
      role: "user",
      content: input.content,
      status: "completed",
      completed_at: now,
      idempotency_key: key ?? null,
    };
    // An untitled conversation is named after its first message.
    const newTitle = conversation.title === UNTITLED ? titleFrom(input.content) : undefined;
    const stored = await this.#start(
      conversation,
      {
        user,
        model: input.model,
        replaces: edited,
        titleIfFirst: newTitle,
        attachmentIds: input.attachments ?? [],
      },
      ctx,
    );
    const title = stored.titled ? newTitle : undefined;
    await this.#audit(ctx, edited ? "message.edited" : "message.sent", conversation, {
      messageId: user.id,
      answerId: stored.assistant.id,
      model: stored.assistant.model,
      ...(edited ? { replaced: edited.id } : {}),
      ...(title ? { title } : {}),
      ...(stored.files.length ? { attachments: stored.files.map((f) => f.id) } : {}),
    });
    return {
      userMessage: withFiles(toMessage(stored.user ?? user), stored.files),
      assistantMessage: toMessage(stored.assistant),
    };
  }

  /**
   * Answers again in place of `messageId` (an answer of the conversation): a new version of it
   * streams from the messages before it (it and everything after it are kept as a branch), with
   * the given model, else the conversation's (so picking another model and retrying uses it),
   * else the old one's.
   * @throws AppError `resource.not_found` (no such current answer), `resource.conflict` while an
   *   answer is streaming.
   */
  async regenerate(
    messageId: string,
    input: RegenerateRequest,
    ctx: RequestContext,
  ): Promise<RegenerateResponse> {
    const message = await this.#d.chats.findMessage(messageId);
    if (!message) throw new AppError("message.not_found", `No message ${messageId}`);
    const conversation = await this.visible(message.conversation_id, ctx, "conversations:write");
    const previous = await this.#current(conversation.id, messageId, "assistant");
    const stored = await this.#start(
      conversation,
      {
        user: null,
        model: input.model ?? conversation.model ?? previous.model ?? undefined,
        replaces: previous,
      },
      ctx,
    );
    await this.#audit(ctx, "message.regenerated", conversation, {
      replaced: previous.id,
      answerId: stored.assistant.id,
      model: stored.assistant.model,
    });
    return { assistantMessage: toMessage(stored.assistant) };
  }

  /** A current (not replaced) message of the conversation with the given role, or 404. */
  async #current(conversationId: string, messageId: string, role: "user" | "assistant"): Promise<MessageRow> {
    const message = await this.#d.chats.findMessage(messageId);
    if (
      message?.conversation_id !== conversationId ||
      message.role !== role ||
      message.replaced_at !== null
    ) {
      throw new AppError(
        "message.not_found",
        `No current ${role === "user" ? "message of yours" : "answer"} ${messageId} in this conversation`,
      );
    }
    return message;
  }

  #blank(conversationId: string, now: number) {
    return {
      id: newId(),
      conversation_id: conversationId,
      position: 0,
      model: null,
      usage: null,
      finish_reason: null,
      error_code: null,
      error_message: null,
      ttft_ms: null,
      duration_ms: null,
      created_at: now,
      completed_at: null,
      replaced_at: null,
      parent_id: null,
      sources: null,
      idempotency_key: null,
    };
  }

  /** Stores the exchange with a `streaming` answer and hands the answer to a worker. */
  async #start(
    conversation: ConversationRow,
    exchange: {
      user: MessageRow | null;
      model: string | undefined;
      replaces: MessageRow | undefined;
      titleIfFirst?: string | undefined;
      /** Files the user message carries (uploaded by the caller, not sent yet). */
      attachmentIds?: readonly string[];
    },
    ctx: RequestContext,
  ): Promise<{ user: MessageRow | null; assistant: MessageRow; titled: boolean; files: ChatAttachment[] }> {
    const principal = requirePrincipal(ctx);
    // The worker generates as the sender's account; the caller itself (an API key may hold
    // fewer permissions than its owner) must be allowed to use AI here.
    if (!can(principal, "ai:use", conversation.team_id)) {
      throw new AppError("auth.forbidden", "Sending a message needs the ai:use permission here");
    }
    // The assistant applies to every answer: a caller who may no longer see or use it is refused.
    const persona = conversation.assistant_id
      ? await this.#d.assistants.settingsFor(conversation.assistant_id, ctx)
      : null;
    const model = exchange.model ?? conversation.model ?? persona?.model ?? (await this.#d.defaultModel());
    if (!model) throw new AppError("model.not_found", "No model given and no default model is configured");
    const files = await this.#claimFiles(
      conversation,
      exchange.user,
      // An edit sent without files of its own keeps those of the message it edits.
      exchange.attachmentIds?.length || exchange.replaces?.role !== "user"
        ? (exchange.attachmentIds ?? [])
        : exchange.replaces,
      model,
      ctx,
    );
    const now = this.#d.clock.now();
    const assistant: MessageRow = {
      ...this.#blank(conversation.id, now),
      role: "assistant",
      content: "",
      status: "streaming",
      model,
    };
    const job: GenerationJob = {
      v: 1,
      conversationId: conversation.id,
      assistantMessageId: assistant.id,
      userId: principal.userId,
      teamId: conversation.team_id,
      apiKeyId: principal.apiKey?.id ?? null,
      assistantId: conversation.assistant_id,
      projectId: conversation.project_id,
      model,
      requestId: ctx.requestId,
      ip: ctx.ip,
      systemPrompt: conversation.system_prompt,
      temperature: conversation.temperature,
      maxOutputTokens: conversation.max_output_tokens,
      channel: principal.channel ?? null,
    };
    // The job travels while the exchange is stored: the worker prepares the answer meanwhile and
    // reads the messages once the commit is there (it waits briefly for one that is not yet).
    const enqueued = this.#d.bus.enqueue(chatTopics.generate, { id: assistant.id, payload: job });
    let stored: StoredExchange | ExchangeRefusal;
    try {
      stored = await this.#d.chats.insertExchange(
        {
          user: exchange.user,
          assistant,
          ...(exchange.replaces ? { replaces: exchange.replaces } : {}),
          ...(exchange.titleIfFirst !== undefined ? { titleIfFirst: exchange.titleIfFirst } : {}),
        },
        now,
      );
    } catch (error) {
      await this.#abandon(assistant.id, enqueued, exchange.user?.id);
      throw error;
    }
    if (typeof stored === "string") {
      await this.#abandon(assistant.id, enqueued, exchange.user?.id);
      throw new AppError(
        "resource.conflict",
        stored === "streaming"
          ? "An answer is still streaming in this conversation; wait for it or cancel it"
          : "The conversation changed meanwhile (another message or version); read it again",
      );
    }
    await enqueued;
    return { ...stored, files };
  }

  /**
   * Claims the files a user message carries, refusing images for a model that does not read them.
   * @throws AppError `attachment.not_found`, `attachment.images_not_supported`.
   */
  async #claimFiles(
    conversation: ConversationRow,
    user: MessageRow | null,
    files: readonly string[] | MessageRow,
    model: string,
    ctx: RequestContext,
  ): Promise<ChatAttachment[]> {
    if (!user || (Array.isArray(files) && files.length === 0)) return [];
    const claim = {
      userId: requirePrincipal(ctx).userId,
      conversationId: conversation.id,
      messageId: user.id,
    };
    if (isIdList(files)) await this.#d.attachments.claim(files, claim);
    else await this.#d.attachments.copy(files.id, claim);
    const views = (await this.#d.attachments.viewsOf([user.id])).get(user.id) ?? [];
    if (views.some((f) => f.kind === "image") && !(await this.#d.readsImages(model))) {
      await this.#d.attachments.release(user.id);
      throw new AppError(
        "attachment.images_not_supported",
        `${model} does not read images (an administrator can mark it as reading images in its settings)`,
        { details: { model } },
      );
    }
    return views;
  }

  /**
   * Tells the worker that has (or will get) the job of an answer that was never stored to drop
   * it, through the same flag and signal as a cancel, rather than wait for the message to appear.
   * Should that fail too, the worker stops waiting on its own after a while and the job is dropped
   * after its last delivery; the caller already has the original error.
   */
  async #abandon(messageId: string, enqueued: Promise<void>, userMessageId?: string): Promise<void> {
    await Promise.allSettled([
      enqueued,
      // Its files are free to be sent again.
      userMessageId ? this.#d.attachments.release(userMessageId) : Promise.resolve(),
      this.#d.cache
        .set(chatKeys.cancelFlag(messageId), true, 60 * 60 * 1000)
        .then(() => this.#d.bus.publish(chatTopics.cancel, { messageId })),
    ]);
  }

  /**
   * Stops an answer wherever it is being generated: a flag for a worker that has not started it
   * yet, and a signal for the one running it. Closing a tab never does this.
   */
  async cancel(messageId: string, ctx: RequestContext): Promise<{ messageId: string; status: string }> {
    const message = await this.#d.chats.findMessage(messageId);
    if (!message) throw new AppError("message.not_found", `No message ${messageId}`);
    await this.visible(message.conversation_id, ctx, "conversations:write");
    if (message.status !== "streaming") return { messageId, status: message.status };
    await this.#d.cache.set(chatKeys.cancelFlag(messageId), true, 60 * 60 * 1000);
    await this.#d.bus.publish(chatTopics.cancel, { messageId });
    const conversation = await this.#d.chats.findConversation(message.conversation_id);
    if (conversation) await this.#audit(ctx, "message.cancel_requested", conversation, { messageId });
    return { messageId, status: "cancelling" };
  }

  /** The conversation if the caller may see it (and, for writes, change it); else 404. */
  async visible(
    id: string,
    ctx: RequestContext,
    permission: "conversations:read" | "conversations:write",
  ): Promise<ConversationRow> {
    const principal: Principal = requirePrincipal(ctx);
    const row = await this.#d.chats.findConversation(id);
    if (!row || !reaches(principal, row))
      throw new AppError("conversation.not_found", `No conversation ${id}`);
    assertMayIn(principal, permission, row.team_id, "This");
    return row;
  }

  async #audit(
    ctx: RequestContext,
    action: string,
    row: ConversationRow,
    summary: Record<string, unknown>,
  ): Promise<void> {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "conversation", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}

/** A conversation cursor is `<updated_at>:<id>` of the last row shown. */
function parseConversationCursor(cursor: string): { updatedAt: number; id: string } {
  const match = /^(\d+):(.+)$/.exec(decodeCursor(cursor));
  if (!match?.[1] || !match[2]) {
    throw new AppError("validation.failed", "Invalid cursor", {
      details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
    });
  }
  return { updatedAt: Number(match[1]), id: match[2] };
}

/** A message with the files sent with it (when it has some). */
function withFiles(message: ChatMessageView, files: ChatAttachment[] | undefined): ChatMessageView {
  return files?.length ? { ...message, attachments: files } : message;
}

function isIdList(files: readonly string[] | MessageRow): files is readonly string[] {
  return Array.isArray(files);
}
