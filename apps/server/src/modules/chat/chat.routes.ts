import {
  Conversation,
  ConversationListQuery,
  ConversationWithMessages,
  CreateConversationRequest,
  CreatedConversation,
  IdParams,
  RegenerateRequest,
  RegenerateResponse,
  SendMessageRequest,
  IdempotencyHeaders,
  SendMessageResponse,
  MessageFeedback,
  SetMessageFeedback,
  UpdateConversationRequest,
  pageOf,
} from "@parley/contracts";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import { contextOf } from "../../http/request-context.ts";
import type { ChatService } from "./chat.service.ts";
import type { FeedbackService } from "./message-feedback.service.ts";
import type { BranchService } from "./message-branches.service.ts";
import { relayEvents, type RelayDeps } from "./chat-events.ts";
import { chatKeys } from "./chat.keys.ts";
import type { ConversationEvents } from "./conversation-events.ts";
import type { Registry } from "../../platform/registry/registry.port.ts";

/** What the chat routes call. */
export interface ChatRouteDeps extends RelayDeps {
  chat: ChatService;
  feedback: FeedbackService;
  branches: BranchService;
  events: ConversationEvents;
  /** Presence: who has the conversation's events open. */
  registry: Registry;
}

/** Conversations, sending, the event stream and cancel. */
export function registerChatRoutes(app: TypedApp, deps: ChatRouteDeps): void {
  const tags = ["chat"];
  app.get(
    "/api/v1/conversations",
    {
      config: { permission: "conversations:read" },
      schema: {
        tags,
        summary: "Your conversations (and your teams'), newest first",
        querystring: ConversationListQuery,
        response: { 200: pageOf(Conversation) },
      },
    },
    (request) => deps.chat.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/conversations",
    {
      config: { permission: "conversations:write" },
      schema: {
        tags,
        summary: "Start a conversation, with its first message when one is given",
        headers: IdempotencyHeaders,
        body: CreateConversationRequest,
        response: { 201: CreatedConversation },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await deps.chat.create(request.body, contextOf(request), {
          idempotencyKey: request.headers["idempotency-key"],
        }),
      ),
  );
  app.get(
    "/api/v1/conversations/:id",
    {
      config: { permission: "conversations:read" },
      schema: {
        tags,
        summary: "A conversation with its messages",
        params: IdParams,
        response: { 200: ConversationWithMessages },
      },
    },
    (request) => deps.chat.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/conversations/:id",
    {
      config: { permission: "conversations:write" },
      schema: {
        tags,
        summary: "Rename or change the model",
        params: IdParams,
        body: UpdateConversationRequest,
        response: { 200: Conversation },
      },
    },
    (request) => deps.chat.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/conversations/:id",
    {
      config: { permission: "conversations:write" },
      schema: { tags, summary: "Delete a conversation", params: IdParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await deps.chat.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.post(
    "/api/v1/conversations/:id/messages",
    {
      config: { permission: "conversations:write" },
      schema: {
        tags,
        summary: "Send a message; the answer streams on the events endpoint",
        params: IdParams,
        headers: IdempotencyHeaders,
        body: SendMessageRequest,
        response: { 202: SendMessageResponse },
      },
    },
    async (request, reply) =>
      reply.code(202).send(
        await deps.chat.send(request.params.id, request.body, contextOf(request), {
          idempotencyKey: request.headers["idempotency-key"],
        }),
      ),
  );
  app.post(
    "/api/v1/messages/:id/regenerate",
    {
      config: { permission: "conversations:write" },
      schema: {
        tags,
        summary:
          "Answer again: a new version of this answer (the old one and what followed it are kept as a branch); streams on the events endpoint",
        params: IdParams,
        body: RegenerateRequest.nullish(),
        response: { 202: RegenerateResponse },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(await deps.chat.regenerate(request.params.id, request.body ?? {}, contextOf(request))),
  );
  app.put(
    "/api/v1/conversations/:id/messages/:messageId/feedback",
    {
      config: { permission: "conversations:write" },
      schema: {
        tags,
        summary: "Thumbs up or down on an answer (null takes yours back); one rating per person",
        params: z.strictObject({ id: z.string().min(1).max(100), messageId: z.string().min(1).max(100) }),
        body: SetMessageFeedback,
        response: { 200: MessageFeedback },
      },
    },
    (request) =>
      deps.feedback.set(request.params.id, request.params.messageId, request.body, contextOf(request)),
  );
  app.post(
    "/api/v1/conversations/:id/messages/:messageId/select",
    {
      config: { permission: "conversations:write" },
      schema: {
        tags,
        summary:
          "Show this version of a message (an earlier edit or answer), with the path that followed it; everyone reading the conversation sees the switch",
        params: z.strictObject({ id: z.string().min(1).max(100), messageId: z.string().min(1).max(100) }),
        response: { 200: ConversationWithMessages },
      },
    },
    (request) => deps.branches.select(request.params.id, request.params.messageId, contextOf(request)),
  );
  app.post(
    "/api/v1/messages/:id/cancel",
    {
      config: { permission: "conversations:write" },
      schema: {
        tags,
        summary: "Stop generating an answer, wherever it runs",
        params: IdParams,
        response: { 202: z.object({ messageId: z.string(), status: z.string() }) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await deps.chat.cancel(request.params.id, contextOf(request))),
  );
  app.get(
    "/api/v1/conversations/:id/presence",
    {
      config: { permission: "conversations:read" },
      schema: {
        tags,
        summary: "Who is watching the conversation now (open event streams, across pods)",
        params: IdParams,
        response: { 200: z.object({ viewers: z.number(), users: z.array(z.string()) }) },
      },
    },
    async (request) => {
      await deps.chat.visible(request.params.id, contextOf(request), "conversations:read");
      const members = await deps.registry.list(chatKeys.conversationStreams(request.params.id));
      const users = [...new Set(members.map((m) => String(m.info.userId)))].sort();
      return { viewers: members.length, users };
    },
  );
  app.get(
    "/api/v1/conversations/:id/events",
    {
      // Helmet's dozen document headers mean nothing on an event stream, and a response held
      // open keeps its header block in memory: the relay sends the few that apply itself.
      config: { permission: "conversations:read", helmet: false },
      schema: {
        tags,
        summary: "Server-Sent Events of the conversation; resume with Last-Event-ID or ?lastEventId=",
        params: IdParams,
        querystring: z.strictObject({ lastEventId: z.string().max(300).optional() }),
      },
    },
    async (request, reply) => {
      const header = request.headers["last-event-id"];
      const lastEventId = (typeof header === "string" ? header : undefined) ?? request.query.lastEventId;
      const stream = await deps.events.open(request.params.id, contextOf(request), { lastEventId });
      return relayEvents(deps, stream, request, reply);
    },
  );
}
