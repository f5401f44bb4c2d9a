import { z } from "zod";
import { AnswerSource } from "./sources.ts";
import { ErrorCode } from "./errors.ts";
import { defineTopic } from "./topics.ts";

/** Where the launcher sits on the host page. */
export const WidgetPosition = z.enum(["bottom-right", "bottom-left"]);
export type WidgetPosition = z.infer<typeof WidgetPosition>;

/**
 * Who may talk to a widget: `public` (anyone on an allowed site, as an anonymous visitor) or
 * `signed` (only visitors the host site vouches for: `{ userId, signature }`, the signature being
 * hex HMAC-SHA256 of the user id under the widget's secret, as Chatwoot's identity validation).
 */
export const WidgetMode = z.enum(["public", "signed"]);
export type WidgetMode = z.infer<typeof WidgetMode>;

/** The most origins one widget may be embedded on. */
export const MAX_WIDGET_ORIGINS = 20;

/**
 * An exact web origin: `https://` (or `http://`) host and optional port, nothing else: no path,
 * no wildcard, no trailing slash, lower case (what browsers send in `Origin`).
 */
export const WidgetOrigin = z
  .string()
  .trim()
  .max(200)
  .refine((value) => {
    try {
      const url = new URL(value);
      // Host names of letters, digits, dots and dashes (or an IPv6 address): no wildcard.
      const host = /^https?:\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/.test(value);
      return host && (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
    } catch {
      return false;
    }
  }, "must be an exact origin such as https://www.example.com (scheme, host and port; no path, no wildcard)");

/** Messages a widget accepts per window (each a rate limit of the platform's limiter). */
export const WidgetLimits = z
  .strictObject({
    /** Messages one visitor may send per hour. */
    visitorPerHour: z.number().int().min(1).max(10_000),
    /** Messages one IP address may send per hour (all visitors behind it). */
    ipPerHour: z.number().int().min(1).max(100_000),
    /** Messages the whole widget accepts per day. */
    widgetPerDay: z.number().int().min(1).max(10_000_000),
  })
  .meta({ id: "WidgetLimits" });
export type WidgetLimits = z.infer<typeof WidgetLimits>;

/** The limits of a new widget. */
export const DEFAULT_WIDGET_LIMITS: WidgetLimits = { visitorPerHour: 30, ipPerHour: 120, widgetPerDay: 5000 };

const fields = {
  name: z.string().trim().min(1).max(100),
  allowedOrigins: z.array(WidgetOrigin).max(MAX_WIDGET_ORIGINS),
  greeting: z.string().trim().max(500),
  /** The launcher's and the visitor's bubbles' colour, `#rrggbb`. */
  primaryColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour such as #4f46e5"),
  position: WidgetPosition,
  mode: WidgetMode,
  limits: WidgetLimits,
  /** False: the widget answers nobody (its loader draws nothing). */
  enabled: z.boolean(),
};

/** An assistant published as a widget on websites (always a team's). */
export const Widget = z
  .object({
    id: z.string(),
    teamId: z.string(),
    assistantId: z.string(),
    /** Whose access answers visitors: the member who published it. */
    publisherId: z.string().nullable(),
    /** The public key in the embed snippet (`data-parley-widget`); rotating it makes a new one. */
    key: z.string(),
    name: z.string(),
    allowedOrigins: z.array(z.string()),
    greeting: z.string(),
    primaryColor: z.string(),
    position: WidgetPosition,
    mode: WidgetMode,
    limits: WidgetLimits,
    enabled: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Widget" });
export type Widget = z.infer<typeof Widget>;

/** A widget just published, with its secret (also readable later by its managers). */
export const CreatedWidget = Widget.extend({ secret: z.string() }).meta({ id: "CreatedWidget" });
export type CreatedWidget = z.infer<typeof CreatedWidget>;

/** `POST /api/v1/widgets`: publish an assistant of team `teamId`. */
export const CreateWidgetRequest = z
  .strictObject({
    teamId: z.string().min(1).max(100),
    assistantId: z.string().min(1).max(100),
    name: fields.name,
    allowedOrigins: fields.allowedOrigins.optional(),
    greeting: fields.greeting.optional(),
    primaryColor: fields.primaryColor.optional(),
    position: fields.position.optional(),
    mode: fields.mode.optional(),
    limits: fields.limits.optional(),
    enabled: fields.enabled.optional(),
  })
  .meta({ id: "CreateWidgetRequest" });
export type CreateWidgetRequest = z.infer<typeof CreateWidgetRequest>;

/** `PATCH /api/v1/widgets/{id}`. */
export const UpdateWidgetRequest = z
  .strictObject({
    name: fields.name.optional(),
    allowedOrigins: fields.allowedOrigins.optional(),
    greeting: fields.greeting.optional(),
    primaryColor: fields.primaryColor.optional(),
    position: fields.position.optional(),
    mode: fields.mode.optional(),
    limits: fields.limits.optional(),
    enabled: fields.enabled.optional(),
  })
  .meta({ id: "UpdateWidgetRequest" });
export type UpdateWidgetRequest = z.infer<typeof UpdateWidgetRequest>;

/** `GET /api/v1/widgets`. */
export const WidgetListQuery = z.strictObject({
  teamId: z.string().min(1).max(100).optional(),
  assistantId: z.string().min(1).max(100).optional(),
});
export type WidgetListQuery = z.infer<typeof WidgetListQuery>;

/**
 * `DELETE /api/v1/widgets/{id}`: a widget with visitors' conversations is deleted with them only
 * when `deleteConversations` is their current number (the 409 `widget.has_conversations` tells it).
 */
export const DeleteWidgetQuery = z.strictObject({
  deleteConversations: z.coerce.number().int().min(0).max(1_000_000_000).optional(),
});
export type DeleteWidgetQuery = z.infer<typeof DeleteWidgetQuery>;

/** Details of a `widget.has_conversations` refusal. */
export const WidgetHasConversationsDetails = z.object({ conversations: z.number().int() });
export type WidgetHasConversationsDetails = z.infer<typeof WidgetHasConversationsDetails>;

/** A widget's secret, for signing visitors' user ids on the host site's server. */
export const WidgetSecret = z
  .object({ widgetId: z.string(), secret: z.string() })
  .meta({ id: "WidgetSecret" });
export type WidgetSecret = z.infer<typeof WidgetSecret>;

// ---- The public visitor API (no session; the widget key in the path, a visitor token in a header).

/** The header carrying a visitor token. */
export const VISITOR_TOKEN_HEADER = "x-parley-visitor";

/** What the loader and the chat need to draw a widget: nothing private. */
export const WidgetPublicConfig = z
  .object({
    key: z.string(),
    name: z.string(),
    greeting: z.string(),
    primaryColor: z.string(),
    position: WidgetPosition,
    mode: WidgetMode,
    /** The assistant's starter prompts, offered before the first message. */
    starterPrompts: z.array(z.string()),
  })
  .meta({ id: "WidgetPublicConfig" });
export type WidgetPublicConfig = z.infer<typeof WidgetPublicConfig>;

/**
 * `POST /api/v1/widget-api/{key}/sessions`: a visitor identity. With a current visitor token in
 * the header, the same visitor gets a fresh token; in signed mode `userId` and `signature` are
 * required (and checked whenever given).
 */
export const VisitorSessionRequest = z
  .strictObject({
    // The host site's own id of its user: printable text (a control character, NUL above all,
    // could not be stored as the conversation's visitor on PostgreSQL).
    userId: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\p{Cc}]+$/u, "must not contain control characters")
      .optional(),
    signature: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "must be hex HMAC-SHA256")
      .optional(),
  })
  .meta({ id: "VisitorSessionRequest" });
export type VisitorSessionRequest = z.infer<typeof VisitorSessionRequest>;

export const VisitorSession = z
  .object({ token: z.string(), visitorId: z.string(), expiresAt: z.iso.datetime() })
  .meta({ id: "VisitorSession" });
export type VisitorSession = z.infer<typeof VisitorSession>;

/** A message as a visitor sees it. */
export const VisitorMessage = z
  .object({
    id: z.string(),
    role: z.enum(["user", "assistant"]),
    content: z.string(),
    status: z.enum(["streaming", "completed", "failed", "cancelled"]),
    error: z.object({ code: ErrorCode, message: z.string() }).nullable(),
    sources: z.array(AnswerSource).optional(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "VisitorMessage" });
export type VisitorMessage = z.infer<typeof VisitorMessage>;

export const VisitorConversation = z
  .object({ id: z.string(), title: z.string(), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() })
  .meta({ id: "VisitorConversation" });
export type VisitorConversation = z.infer<typeof VisitorConversation>;

export const VisitorConversationWithMessages = VisitorConversation.extend({
  messages: z.array(VisitorMessage),
}).meta({ id: "VisitorConversationWithMessages" });
export type VisitorConversationWithMessages = z.infer<typeof VisitorConversationWithMessages>;

/** The longest message a visitor may send, in characters. */
export const MAX_VISITOR_MESSAGE_CHARS = 4000;

/** `POST …/conversations` (with the first message) and `POST …/conversations/{id}/messages`. */
export const VisitorMessageRequest = z
  .strictObject({ content: z.string().trim().min(1, "must not be empty").max(MAX_VISITOR_MESSAGE_CHARS) })
  .meta({ id: "VisitorMessageRequest" });
export type VisitorMessageRequest = z.infer<typeof VisitorMessageRequest>;

/** A sent message and its (streaming) answer. */
export const VisitorExchange = z
  .object({ conversationId: z.string(), userMessage: VisitorMessage, assistantMessage: VisitorMessage })
  .meta({ id: "VisitorExchange" });
export type VisitorExchange = z.infer<typeof VisitorExchange>;

/** Path of the public visitor API, by widget key. */
export const WidgetKeyParams = z.strictObject({ key: z.string().min(1).max(100) });

/**
 * The last event of a visitor's event stream (SSE event `stream.error`) when the server ends it
 * because the visitor may no longer use the widget: it was deleted or switched off, its key was
 * rotated, its secret rotated (signed visitors), its mode or origins changed, or its publisher
 * may no longer answer. `status` and `error.code` are what a new request would be answered with.
 */
export const VisitorStreamError = z
  .object({
    type: z.literal("stream.error"),
    status: z.number().int(),
    error: z.object({ code: ErrorCode, message: z.string() }),
  })
  .meta({ id: "VisitorStreamError" });
export type VisitorStreamError = z.infer<typeof VisitorStreamError>;

/** Bus payload: widget `widgetId` changed (or was deleted) on pod `pod`. */
export const WidgetChanged = z.object({ widgetId: z.string(), pod: z.string() });
export type WidgetChanged = z.infer<typeof WidgetChanged>;

/** The widgets module's bus topics. */
export const widgetsTopics = {
  /**
   * Tells every pod to check its open visitor event streams of the widget again, and to end those
   * whose visitor may no longer use it. At most once is enough: each stream is also checked again
   * with its heartbeat, and every new request is checked anyway.
   */
  changed: defineTopic({ name: "widgets.changed", kind: "event", schema: WidgetChanged }),
};
