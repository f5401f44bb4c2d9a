import { z } from "zod";
import { ErrorCode } from "./errors.ts";
import { AnswerSource } from "./sources.ts";
import { defineTopic, defineTopicFamily } from "./topics.ts";

/** A message's lifecycle: user messages are `completed` at once; answers stream first. */
export const MessageStatus = z.enum(["streaming", "completed", "failed", "cancelled"]);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** Images a message may carry, by media type (checked against the file's first bytes). */
export const ATTACHMENT_IMAGE_TYPES = {
  "image/png": [".png"],
  "image/jpeg": [".jpg", ".jpeg"],
  "image/gif": [".gif"],
  "image/webp": [".webp"],
} as const;

/** Limits of chat attachments: files per upload and per message, bytes per file, characters read. */
export const ATTACHMENT_LIMITS = {
  filesPerMessage: 10,
  bytesPerFile: 10 * 1024 * 1024,
  /** Most characters of one file's text given to the model (a longer text is cut, and says so). */
  charsPerFile: 200_000,
} as const;

/** A file attached to a message: an image the model sees, or a document or text file it reads. */
export const ChatAttachment = z
  .object({
    id: z.string(),
    name: z.string(),
    mediaType: z.string(),
    size: z.number().int(),
    /** `image`: sent to the model as an image; `text`: its text is given with the message. */
    kind: z.enum(["image", "text"]),
    /** Characters of text read from it (null for an image). */
    chars: z.number().int().nullable(),
    /** Whether its text was cut to `ATTACHMENT_LIMITS.charsPerFile`. */
    truncated: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "ChatAttachment" });
export type ChatAttachment = z.infer<typeof ChatAttachment>;

/** Ids of attachments (uploaded by the sender, not sent with another message yet). */
export const AttachmentIds = z.array(z.string().min(1).max(100)).max(ATTACHMENT_LIMITS.filesPerMessage);
/** Where a message sits among its versions. */
export const MessageVersions = z
  .object({
    /** Its place among them, from 1 (the first version). */
    index: z.number().int().min(1),
    count: z.number().int().min(1),
    /** Every version's id, oldest first (this message's included, at `index - 1`). */
    siblingIds: z.array(z.string()),
  })
  .meta({ id: "MessageVersions" });
export type MessageVersions = z.infer<typeof MessageVersions>;

export const ChatMessageView = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    role: z.enum(["user", "assistant", "system"]),
    content: z.string(),
    status: MessageStatus,
    model: z.string().nullable(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }).nullable(),
    finishReason: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    timings: z.object({ ttftMs: z.number().nullable(), durationMs: z.number().nullable() }),
    /**
     * The knowledge passages the answer was given with, numbered as it cites them (`[n]`); absent
     * when it was given without (no assistant with knowledge, or nothing found).
     */
    sources: z.array(AnswerSource).optional(),
    /**
     * Thumbs given to an answer: everyone's counts, and the reader's own rating (null: none).
     * Absent on user messages and on answers nobody has rated yet.
     */
    feedback: z
      .object({ up: z.number().int(), down: z.number().int(), mine: z.enum(["up", "down"]).nullable() })
      .optional(),
    /** Files sent with a user message; absent when none. */
    attachments: z.array(ChatAttachment).optional(),
    /**
     * The versions of this message (itself, the edits of a user message, the regenerations of an
     * answer), in the order they were made, when there is more than one: shown as `< 2/3 >`, each
     * one made current by `POST /api/v1/conversations/{id}/messages/{messageId}/select`. Given by
     * the conversation's view; absent elsewhere and when the message has a single version.
     */
    versions: MessageVersions.optional(),
    createdAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "ChatMessage" });
export type ChatMessageView = z.infer<typeof ChatMessageView>;

/** A thumbs up or down on an answer. */
export const FeedbackRating = z.enum(["up", "down"]);
export type FeedbackRating = z.infer<typeof FeedbackRating>;

/** `PUT …/messages/{messageId}/feedback`: one rating per person and answer; null takes it back. */
export const SetMessageFeedback = z
  .strictObject({ rating: FeedbackRating.nullable(), comment: z.string().trim().max(2000).optional() })
  .meta({ id: "SetMessageFeedback" });
export type SetMessageFeedback = z.infer<typeof SetMessageFeedback>;

/** An answer's feedback after a change. */
export const MessageFeedback = z
  .object({
    messageId: z.string(),
    up: z.number().int(),
    down: z.number().int(),
    mine: FeedbackRating.nullable(),
    comment: z.string().nullable(),
  })
  .meta({ id: "MessageFeedback" });
export type MessageFeedback = z.infer<typeof MessageFeedback>;

export const Conversation = z
  .object({
    id: z.string(),
    title: z.string(),
    model: z.string().nullable(),
    teamId: z.string().nullable(),
    /** The assistant whose instructions and settings every answer uses; null: none. */
    assistantId: z.string().nullable(),
    /** The project of its team it belongs to; null: none (or it was deleted). */
    projectId: z.string().nullable(),
    /** Instructions every answer gets; null: none. */
    systemPrompt: z.string().nullable(),
    /** Its answers' temperature and length limit; null: the model's defaults. */
    temperature: z.number().nullable(),
    maxOutputTokens: z.number().int().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Conversation" });
export type Conversation = z.infer<typeof Conversation>;

export const ConversationWithMessages = Conversation.extend({ messages: z.array(ChatMessageView) }).meta({
  id: "ConversationWithMessages",
});
export type ConversationWithMessages = z.infer<typeof ConversationWithMessages>;

/** Longest per-conversation system prompt, in characters. */
export const MAX_SYSTEM_PROMPT_CHARS = 20_000;

/** A conversation's own instructions and answer parameters, set on creation or later. */
const conversationSettings = {
  /** Instructions every answer in this conversation gets (a system message); null: none. */
  systemPrompt: z.string().max(MAX_SYSTEM_PROMPT_CHARS).nullable().optional(),
  /** Sampling temperature of its answers; null: the model's default. */
  temperature: z.number().min(0).max(2).nullable().optional(),
  /** Longest answer, in tokens; null: the model's default. */
  maxOutputTokens: z.number().int().min(1).max(100_000).nullable().optional(),
};

export const CreateConversationRequest = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    model: z.string().min(1).max(200).optional(),
    teamId: z.string().max(100).optional(),
    /** Holds the conversation with this assistant (in its team, unless it is a personal one). */
    assistantId: z.string().max(100).optional(),
    /** Puts the conversation in this project (of its team; the team defaults to the project's). */
    projectId: z.string().max(100).optional(),
    ...conversationSettings,
    /**
     * The first message: the conversation is stored together with it and its answer starts, so no
     * empty conversation is left behind (what the web app does). Without it, an empty one is made.
     */
    message: z
      .strictObject({
        content: z.string().min(1, "must not be empty"),
        attachments: AttachmentIds.optional(),
      })
      .optional(),
  })
  .meta({ id: "CreateConversationRequest" });
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

/** A new conversation; with the first message and its (streaming) answer when one was sent. */
export const CreatedConversation = Conversation.extend({
  userMessage: ChatMessageView.optional(),
  assistantMessage: ChatMessageView.optional(),
}).meta({ id: "CreatedConversation" });
export type CreatedConversation = z.infer<typeof CreatedConversation>;

export const UpdateConversationRequest = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    model: z.string().min(1).max(200).optional(),
    /** Moves the conversation into a project of its team; null takes it out of its project. */
    projectId: z.string().max(100).nullable().optional(),
    ...conversationSettings,
  })
  .meta({ id: "UpdateConversationRequest" });
export type UpdateConversationRequest = z.infer<typeof UpdateConversationRequest>;

export const ConversationListQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  teamId: z.string().max(100).optional(),
  /** Only the conversations of this project. */
  projectId: z.string().max(100).optional(),
});
export type ConversationListQuery = z.infer<typeof ConversationListQuery>;

/** Longest message accepted, in characters (a larger one answers 413). */
export const MAX_MESSAGE_CHARS = 100_000;

export const SendMessageRequest = z
  .strictObject({
    content: z.string().min(1, "must not be empty"),
    model: z.string().min(1).max(200).optional(),
    /** An earlier message of yours that this one replaces, together with everything after it. */
    editOf: z.string().min(1).max(100).optional(),
    /** Files uploaded with `POST /api/v1/attachments`, sent with this message. */
    attachments: AttachmentIds.optional(),
  })
  .meta({ id: "SendMessageRequest" });
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

/**
 * `Idempotency-Key` on a send or on starting a conversation with its first message: a request
 * retried with the same key (a client that lost the answer, a proxy, a job delivered again)
 * answers what the first one stored, and nothing is sent twice. Keys are per user (a new
 * conversation) and per conversation (a message); reused for another message, 422.
 */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters")
    .optional(),
});
export type IdempotencyHeaders = z.infer<typeof IdempotencyHeaders>;

export const SendMessageResponse = z
  .object({ userMessage: ChatMessageView, assistantMessage: ChatMessageView })
  .meta({ id: "SendMessageResponse" });
export type SendMessageResponse = z.infer<typeof SendMessageResponse>;

export const RegenerateRequest = z
  .strictObject({ model: z.string().min(1).max(200).optional() })
  .meta({ id: "RegenerateRequest" });
export type RegenerateRequest = z.infer<typeof RegenerateRequest>;

export const RegenerateResponse = z
  .object({ assistantMessage: ChatMessageView })
  .meta({ id: "RegenerateResponse" });
export type RegenerateResponse = z.infer<typeof RegenerateResponse>;

/**
 * Server-Sent Events of a conversation (the `data` of each event name). `message.sources` is
 * optional and comes after `message.started` and before the first `message.delta`, only for an
 * answer grounded in knowledge passages; clients that do not know it ignore it.
 */
export const ChatEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message.started"), messageId: z.string(), model: z.string() }),
  z.object({ type: z.literal("message.sources"), messageId: z.string(), sources: z.array(AnswerSource) }),
  z.object({
    type: z.literal("message.delta"),
    messageId: z.string(),
    index: z.number().int().min(0),
    text: z.string(),
  }),
  z.object({
    type: z.literal("message.completed"),
    messageId: z.string(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
    finishReason: z.string(),
  }),
  z.object({
    type: z.literal("message.failed"),
    messageId: z.string(),
    error: z.object({ code: ErrorCode, message: z.string() }),
  }),
  z.object({ type: z.literal("message.cancelled"), messageId: z.string() }),
  /** A governance rule holds the answer until someone approves it (or denies, or time runs out). */
  z.object({
    type: z.literal("message.waiting"),
    messageId: z.string(),
    approvalId: z.string(),
    ruleName: z.string(),
    expiresAt: z.iso.datetime(),
  }),
  /**
   * The answer starts again from nothing (its worker died; another one generates it anew): drop
   * the text and sources shown so far; deltas count from index 0 again.
   */
  z.object({ type: z.literal("message.restarted"), messageId: z.string(), reason: z.string() }),
  /** The model named the conversation after this (its first) answer. */
  z.object({ type: z.literal("conversation.titled"), messageId: z.string(), title: z.string() }),
  /**
   * Someone made another version current (`messageId`, and the path continuing under it): read
   * the conversation again. `pathVersion` counts the conversation's path changes.
   */
  z.object({
    type: z.literal("conversation.branch_selected"),
    messageId: z.string(),
    pathVersion: z.number().int(),
  }),
  z.object({
    type: z.literal("snapshot"),
    messageId: z.string(),
    text: z.string(),
    status: MessageStatus,
    /** The answer's sources, when it has some (as `message.sources` would have told). */
    sources: z.array(AnswerSource).optional(),
  }),
]);
export type ChatEvent = z.infer<typeof ChatEvent>;

/** Bus payload: generate the answer `assistantMessageId` (idempotent by that id). */
/** A published assistant's channel and who talks through it (see the server's `ChannelRef`). */
export const ChannelRef = z.object({
  kind: z.enum(["widget", "telegram"]),
  /** The widget's or bot's id. */
  id: z.string(),
  /** The widget visitor's id, or the Telegram chat's id. */
  subject: z.string(),
  teamId: z.string(),
});
export type ChannelRef = z.infer<typeof ChannelRef>;

export const GenerationJob = z.object({
  v: z.literal(1),
  conversationId: z.string(),
  assistantMessageId: z.string(),
  userId: z.string(),
  /** The conversation's team: the call is authorized and metered there. Null: a personal one. */
  teamId: z.string().nullable().optional(),
  apiKeyId: z.string().nullable().optional(),
  /** The conversation's assistant (its AI stage applies it). */
  assistantId: z.string().nullable().optional(),
  /** The conversation's project (rules and practices scoped to it apply). */
  projectId: z.string().nullable().optional(),
  model: z.string(),
  requestId: z.string().nullable(),
  /** The sender's IP address (a widget's per-IP budgets count by it); absent from older senders. */
  ip: z.string().max(100).nullable().optional(),
  /** The conversation's system prompt and parameters when the message was sent. */
  systemPrompt: z.string().nullable().optional(),
  temperature: z.number().nullable().optional(),
  maxOutputTokens: z.number().int().nullable().optional(),
  /**
   * The widget or Telegram bot a visitor sent the message through (null: the web app or the
   * API): the answer is generated as the channel's narrowed principal, on its surface.
   */
  channel: ChannelRef.nullable().optional(),
});
export type GenerationJob = z.infer<typeof GenerationJob>;

/** Bus payload: stop generating the answer `messageId`, wherever it runs. */
export const CancelGeneration = z.object({ messageId: z.string() });
export type CancelGeneration = z.infer<typeof CancelGeneration>;

/** The chat module's bus topics: the one place their subjects, queues and log keys are spelled. */
export const chatTopics = {
  /** Generation requests, one job per answer (job id: the assistant message id). */
  generate: defineTopic({ name: "chat-generate", kind: "job", schema: GenerationJob }),
  /** Cancel signals for running generations (the durable cancel flag is in the cache). */
  cancel: defineTopic({ name: "chat-cancel", kind: "event", schema: CancelGeneration }),
  /** A conversation's answers, event by event, as the SSE stream relays them. */
  answerLog: defineTopicFamily({
    name: "chat-answers",
    kind: "log",
    schema: ChatEvent,
    address: (conversationId: string) => `chat-${conversationId}`,
  }),
};
