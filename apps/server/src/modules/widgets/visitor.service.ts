import type {
  VisitorConversation,
  VisitorConversationWithMessages,
  VisitorExchange,
  VisitorMessageRequest,
  VisitorSession,
  VisitorSessionRequest,
  WidgetPublicConfig,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { RateLimiter } from "../../platform/rate-limit/rate-limit.port.ts";
import type { ChatService, ConversationEventStream, ConversationEvents, SendOptions } from "../chat/index.ts";
import { WidgetCrypto, type VisitorClaims } from "./visitor-tokens.ts";
import { toVisitorConversation, toVisitorMessage, toVisitorThread } from "./visitor-view.ts";
import { spendMessage } from "./widget-limits.ts";
import { originAllowed } from "./widget-origins.ts";
import { limitsOf, originsOf, toPublicConfig } from "./widget-view.ts";
import type { WidgetRepository, WidgetRow } from "./widgets.repository.ts";

/** Where a visitor's request comes from. */
export interface VisitorRequest {
  /** The widget's public key, from the path. */
  key: string;
  /** The `Origin` header; undefined when the browser sent none (same-origin GETs, servers). */
  origin: string | undefined;
  /** Parley's own origins (the iframe page talks from there). */
  ownOrigins: readonly string[];
  /** The visitor token header. */
  token: string | undefined;
  requestId: string;
  ip: string;
  userAgent: string | null;
}

/** A visitor once their token is checked: the widget and who they are. */
export interface Visitor {
  widget: WidgetRow;
  visitorId: string;
}

/** Dependencies of the visitor service. */
export interface VisitorServiceDeps {
  widgets: WidgetRepository;
  crypto: WidgetCrypto;
  limiter: RateLimiter;
  chat: Pick<ChatService, "create" | "send" | "get" | "list" | "cancel">;
  events: Pick<ConversationEvents, "open">;
  /**
   * The chat context of a visitor: the publisher's principal narrowed to the widget's team, with
   * the widget's channel (chat then shows the visitor their own conversations only).
   * @throws AppError `widget.publisher_unavailable`.
   */
  contextFor(visitor: Visitor, request: VisitorRequest): Promise<RequestContext>;
  /** The starter prompts of the widget's assistant (seen with its publisher's access). */
  starterPrompts(widget: WidgetRow): Promise<string[]>;
}

/**
 * The public visitor API as use cases: a widget's drawing settings, visitor sessions (anonymous,
 * or signed by the host site), and the visitor's own conversations through chat's service, so that
 * governance, budgets, metering and audit apply as to any answer. Every call checks the page's
 * origin against the widget's allowed origins; every message spends the widget's limits.
 */
export class VisitorService {
  readonly #d: VisitorServiceDeps;
  constructor(deps: VisitorServiceDeps) {
    this.#d = deps;
  }

  /**
   * The enabled widget of `key`, if the request's origin may use it.
   * @throws AppError `widget.not_found`, `widget.disabled`, `widget.origin_not_allowed`.
   */
  async widget(request: Pick<VisitorRequest, "key" | "origin" | "ownOrigins">): Promise<WidgetRow> {
    const row = await this.#d.widgets.findByKey(request.key);
    if (!row) throw new AppError("widget.not_found", "No widget with this key (it may have been rotated)");
    if (!originAllowed(originsOf(row), request.origin, request.ownOrigins))
      throw new AppError("widget.origin_not_allowed", "This widget may not be used on this site", {
        details: { origin: request.origin ?? null },
      });
    if (!row.enabled) throw new AppError("widget.disabled", "This widget is switched off");
    return row;
  }

  async config(request: VisitorRequest): Promise<WidgetPublicConfig> {
    const row = await this.widget(request);
    return toPublicConfig(row, await this.#d.starterPrompts(row));
  }

  /**
   * A visitor token. A current token of the same widget keeps its visitor (a fresh token for the
   * same person); a host user id must come with its signature (and must in signed mode).
   * @throws AppError `widget.signature_invalid`, and those of {@link widget}.
   */
  async session(request: VisitorRequest, body: VisitorSessionRequest): Promise<VisitorSession> {
    const row = await this.widget(request);
    let visitor: Pick<VisitorClaims, "visitorId" | "secretVersion">;
    if (body.userId !== undefined || body.signature !== undefined || row.mode === "signed") {
      const secret = this.#d.crypto.secretOf(row.id, row.secret_version);
      if (
        body.userId === undefined ||
        body.signature === undefined ||
        !this.#d.crypto.signatureMatches(secret, body.userId, body.signature)
      )
        throw new AppError(
          "widget.signature_invalid",
          "The user id and its signature (hex HMAC-SHA256 under the widget's secret) do not match",
        );
      visitor = { visitorId: `user:${body.userId}`, secretVersion: row.secret_version };
    } else {
      const current = request.token ? await this.#d.crypto.verify(request.token).catch(() => null) : null;
      visitor =
        current && currentFor(row, current) ? current : { visitorId: WidgetCrypto.newAnonymousVisitor() };
    }
    const issued = await this.#d.crypto.issue({
      widgetId: row.id,
      keyVersion: row.key_version,
      visitorId: visitor.visitorId,
      ...(visitor.secretVersion !== undefined ? { secretVersion: visitor.secretVersion } : {}),
    });
    return {
      token: issued.token,
      visitorId: visitor.visitorId,
      expiresAt: new Date(issued.expiresAt).toISOString(),
    };
  }

  /** The visitor's conversations, newest first. */
  async list(request: VisitorRequest): Promise<{ items: VisitorConversation[] }> {
    const { ctx } = await this.#visitor(request);
    const page = await this.#d.chat.list({ limit: 50 }, ctx);
    return { items: page.items.map(toVisitorConversation) };
  }

  /** Starts a conversation with its first message; the answer streams on its events. */
  async start(
    request: VisitorRequest,
    body: VisitorMessageRequest,
    options: SendOptions = {},
  ): Promise<VisitorExchange> {
    const { visitor, ctx } = await this.#visitor(request);
    await this.#spend(visitor, request);
    const created = await this.#d.chat.create(
      { assistantId: visitor.widget.assistant_id, message: { content: body.content } },
      ctx,
      options,
    );
    if (!created.userMessage || !created.assistantMessage)
      throw new Error("a conversation created with a message has both messages");
    return {
      conversationId: created.id,
      userMessage: toVisitorMessage(created.userMessage),
      assistantMessage: toVisitorMessage(created.assistantMessage),
    };
  }

  async send(
    request: VisitorRequest,
    conversationId: string,
    body: VisitorMessageRequest,
    options: SendOptions = {},
  ): Promise<VisitorExchange> {
    const { visitor, ctx } = await this.#visitor(request);
    await this.#spend(visitor, request);
    const sent = await this.#d.chat.send(conversationId, { content: body.content }, ctx, options);
    return {
      conversationId,
      userMessage: toVisitorMessage(sent.userMessage),
      assistantMessage: toVisitorMessage(sent.assistantMessage),
    };
  }

  async get(request: VisitorRequest, conversationId: string): Promise<VisitorConversationWithMessages> {
    const { ctx } = await this.#visitor(request);
    return toVisitorThread(await this.#d.chat.get(conversationId, ctx));
  }

  async cancel(request: VisitorRequest, messageId: string): Promise<{ messageId: string; status: string }> {
    const { ctx } = await this.#visitor(request);
    return this.#d.chat.cancel(messageId, ctx);
  }

  /** The conversation's events from `lastEventId` on (what the SSE route relays), and its widget. */
  async events(
    request: VisitorRequest,
    conversationId: string,
    lastEventId: string | undefined,
  ): Promise<{ stream: ConversationEventStream; widgetId: string }> {
    const { visitor, ctx } = await this.#visitor(request);
    const stream = await this.#d.events.open(conversationId, ctx, { lastEventId });
    return { stream, widgetId: visitor.widget.id };
  }

  /**
   * Checks a request again as it was checked when it came (an open event stream, after its widget
   * changed): resolves if it would still be accepted.
   * @throws AppError as {@link #visitor} would refuse it now.
   */
  async recheck(request: VisitorRequest): Promise<void> {
    await this.#visitor(request);
  }

  /**
   * The visitor of the request's token, for the widget of its key, with their chat context.
   * @throws AppError `widget.visitor_token_invalid` (forged, expired, another widget's, from
   * before a key rotation, signed before a secret rotation, or anonymous on a widget now in
   * signed mode), and those of {@link widget}.
   */
  async #visitor(request: VisitorRequest): Promise<{ visitor: Visitor; ctx: RequestContext }> {
    const widget = await this.widget(request);
    const claims = await this.#d.crypto.verify(request.token);
    if (!currentFor(widget, claims))
      throw new AppError("widget.visitor_token_invalid", "The visitor token is not valid for this widget");
    const visitor = { widget, visitorId: claims.visitorId };
    return { visitor, ctx: await this.#d.contextFor(visitor, request) };
  }

  async #spend(visitor: Visitor, request: VisitorRequest): Promise<void> {
    await spendMessage(this.#d.limiter, {
      widgetId: visitor.widget.id,
      visitorId: visitor.visitorId,
      ip: request.ip,
      limits: limitsOf(visitor.widget),
    });
  }
}

/**
 * Whether a verified visitor token still holds for `widget`: issued for it, under its current key,
 * for a signed visitor under its current secret, and not anonymous on a widget now in signed mode.
 */
function currentFor(widget: WidgetRow, claims: VisitorClaims): boolean {
  const signed = claims.visitorId.startsWith("user:");
  return (
    claims.widgetId === widget.id &&
    claims.keyVersion === widget.key_version &&
    (signed ? claims.secretVersion === widget.secret_version : widget.mode !== "signed")
  );
}
