import {
  IdempotencyHeaders,
  IdParams,
  VISITOR_TOKEN_HEADER,
  VisitorConversation,
  VisitorConversationWithMessages,
  VisitorExchange,
  VisitorMessageRequest,
  VisitorSession,
  VisitorSessionRequest,
  WidgetKeyParams,
  WidgetPublicConfig,
} from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import { strangerText } from "./visitor-errors.ts";
import type { VisitorRequest, VisitorService } from "./visitor.service.ts";
import { relayVisitorEvents, type VisitorStreams } from "./widget-sse.ts";

/** Where the public visitor API lives, by widget key. */
export const VISITOR_API = "/api/v1/widget-api/:key";

const KeyAndId = WidgetKeyParams.extend(IdParams.shape);
const ALLOWED_HEADERS = ["content-type", VISITOR_TOKEN_HEADER, "last-event-id", "idempotency-key"].join(", ");

/** What the visitor routes need. */
export interface VisitorRouteDeps {
  visitors: VisitorService;
  streams: VisitorStreams;
  /** Parley's public URL (its own origin may call: the iframe page). */
  publicUrl(): string;
}

/**
 * The public visitor API (no session; the widget key in the path, a visitor token in
 * `x-parley-visitor`): config, sessions, the visitor's conversations, sending, cancel and the
 * event stream. CORS per widget: `Access-Control-Allow-Origin` is only ever an allowed origin of
 * the widget; any other page's requests (preflights included) answer 403
 * `widget.origin_not_allowed`.
 */
export async function registerVisitorRoutes(app: TypedApp, deps: VisitorRouteDeps): Promise<void> {
  await app.register((scope: TypedApp, _options, done) => {
    // Every route of this scope answers strangers: their errors in strangers' words, whatever
    // route a later change adds (the code, status and headers stay; the logs keep the detail).
    scope.addHook("onRoute", (route) => {
      route.config = { ...route.config, errorText: strangerText };
    });
    registerRoutes(scope, deps);
    done();
  });
}

function registerRoutes(app: TypedApp, deps: VisitorRouteDeps): void {
  const tags = ["widget visitors"];
  const visitorOf = (request: FastifyRequest): VisitorRequest => {
    const ua = request.headers["user-agent"];
    const token = request.headers[VISITOR_TOKEN_HEADER];
    return {
      key: (request.params as { key?: string }).key ?? "",
      origin: request.headers.origin,
      ownOrigins: ownOrigins(request, deps.publicUrl()),
      token: typeof token === "string" ? token : undefined,
      requestId: request.id,
      ip: request.ip,
      userAgent: typeof ua === "string" ? ua : null,
    };
  };

  // CORS for the widget's own origins only: checked before the handler, so that errors (401, 429)
  // reach the widget readable, and refused origins get no grant at all.
  const onRequest = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    reply.header("vary", "origin");
    if (!origin) return;
    const granted = await deps.visitors.widget(visitorOf(request)).then(
      () => true,
      () => false,
    );
    if (granted) reply.headers(corsHeaders(origin));
  };
  const config = { permission: "public" as const };

  app.options(
    `${VISITOR_API}/*`,
    {
      config,
      onRequest,
      schema: { hide: true, params: z.object({ key: z.string().max(100), "*": z.string() }) },
    },
    async (request, reply) => {
      await deps.visitors.widget(visitorOf(request));
      return reply
        .code(204)
        .headers({
          "access-control-allow-methods": "GET, POST",
          "access-control-allow-headers": ALLOWED_HEADERS,
          "access-control-max-age": "600",
        })
        .send();
    },
  );
  app.get(
    VISITOR_API,
    {
      config,
      onRequest,
      schema: {
        tags,
        summary: "A widget's public settings (name, greeting, colours, position, mode)",
        params: WidgetKeyParams,
        response: { 200: WidgetPublicConfig },
      },
    },
    (request) => deps.visitors.config(visitorOf(request)),
  );
  app.post(
    `${VISITOR_API}/sessions`,
    {
      config,
      onRequest,
      schema: {
        tags,
        summary:
          "A visitor token: anonymous, the same visitor again with a current token, or a host site's user with its signature",
        params: WidgetKeyParams,
        body: VisitorSessionRequest,
        response: { 201: VisitorSession },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.visitors.session(visitorOf(request), request.body)),
  );
  app.get(
    `${VISITOR_API}/conversations`,
    {
      config,
      onRequest,
      schema: {
        tags,
        summary: "The visitor's own conversations, newest first",
        params: WidgetKeyParams,
        response: { 200: z.object({ items: z.array(VisitorConversation) }) },
      },
    },
    (request) => deps.visitors.list(visitorOf(request)),
  );
  app.post(
    `${VISITOR_API}/conversations`,
    {
      config,
      onRequest,
      schema: {
        tags,
        summary: "Start a conversation with its first message; the answer streams on its events",
        params: WidgetKeyParams,
        headers: IdempotencyHeaders,
        body: VisitorMessageRequest,
        response: { 201: VisitorExchange },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await deps.visitors.start(visitorOf(request), request.body, {
          idempotencyKey: request.headers["idempotency-key"],
        }),
      ),
  );
  app.get(
    `${VISITOR_API}/conversations/:id`,
    {
      config,
      onRequest,
      schema: {
        tags,
        summary: "One of the visitor's conversations with its messages",
        params: KeyAndId,
        response: { 200: VisitorConversationWithMessages },
      },
    },
    (request) => deps.visitors.get(visitorOf(request), request.params.id),
  );
  app.post(
    `${VISITOR_API}/conversations/:id/messages`,
    {
      config,
      onRequest,
      schema: {
        tags,
        summary: "Send a message; the answer streams on the conversation's events",
        params: KeyAndId,
        headers: IdempotencyHeaders,
        body: VisitorMessageRequest,
        response: { 202: VisitorExchange },
      },
    },
    async (request, reply) =>
      reply.code(202).send(
        await deps.visitors.send(visitorOf(request), request.params.id, request.body, {
          idempotencyKey: request.headers["idempotency-key"],
        }),
      ),
  );
  app.post(
    `${VISITOR_API}/messages/:id/cancel`,
    {
      config,
      onRequest,
      schema: {
        tags,
        summary: "Stop generating an answer of the visitor's",
        params: KeyAndId,
        response: { 202: z.object({ messageId: z.string(), status: z.string() }) },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await deps.visitors.cancel(visitorOf(request), request.params.id)),
  );
  app.get(
    `${VISITOR_API}/conversations/:id/events`,
    {
      config: { ...config, helmet: false },
      onRequest,
      schema: {
        tags,
        summary:
          "Server-Sent Events of the visitor's conversation; resume with Last-Event-ID or ?lastEventId=",
        params: KeyAndId,
        querystring: z.strictObject({ lastEventId: z.string().max(300).optional() }),
      },
    },
    async (request, reply) => {
      const header = request.headers["last-event-id"];
      const lastEventId = (typeof header === "string" ? header : undefined) ?? request.query.lastEventId;
      const visitor = visitorOf(request);
      const { stream, widgetId } = await deps.visitors.events(visitor, request.params.id, lastEventId);
      const origin = request.headers.origin;
      return relayVisitorEvents(stream, request, reply, {
        streams: deps.streams,
        widgetId,
        recheck: () => deps.visitors.recheck(visitor),
        cors: origin ? corsHeaders(origin) : {},
      });
    },
  );
}

/** The CORS grant of an allowed origin (no credentials: visitors carry a token, never a cookie). */
function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": "retry-after, x-request-id",
    vary: "origin",
  };
}

/** Parley's own origins: as configured, and as this request reached it. */
function ownOrigins(request: FastifyRequest, publicUrl: string): string[] {
  const origins = [`${request.protocol}://${request.host}`];
  try {
    origins.push(new URL(publicUrl).origin);
  } catch {
    // Not yet known (before listening): the request's own host is enough.
  }
  return origins;
}
