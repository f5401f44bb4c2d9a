import type { FastifyInstance, RawServerDefault, FastifyBaseLogger, RouteOptions } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { HelmetOptions } from "helmet";
import type { ErrorCode, Permission } from "@parley/contracts";
import type { Principal } from "./principal.ts";

/**
 * What a route requires: `public` (no authentication), `authenticated` (any signed-in user or
 * API key) or a permission such as `conversations:write`. Every route declares one; the server
 * refuses to start otherwise.
 */
export type RoutePermission = "public" | "authenticated" | Permission;

declare module "fastify" {
  interface FastifyInstance {
    /** Every registered route with its options, for the permission checks and their tests. */
    parleyRoutes: RouteOptions[];
  }
  interface FastifyRequest {
    /** The authenticated caller; null on public routes without credentials. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The permission this route requires. */
    permission?: RoutePermission;
    /** False to exempt the route from the per-IP request limit (probes, metrics). */
    rateLimit?: boolean;
    /**
     * Security-header options replacing the global ones for this route (`registerSecurityHeaders`),
     * or false for none: a route that sets its own (the event stream, whose response is held open
     * for hours, keeps every header it was sent in memory).
     */
    helmet?: HelmetOptions | false;
    /**
     * True to let NUL characters through to the handler (refused with 400 `validation.failed`
     * everywhere else, `http/nul-guard.ts`): a sender that retries a refused request (Telegram's
     * webhook) must be answered 2xx and told otherwise.
     */
    acceptsNul?: boolean;
    /**
     * Rewrites what this route's caller reads of an error, for its audience: the public visitor
     * API tells strangers no budgets, rule names or ids (`widgets/visitor-errors.ts`). Only the
     * message and details change; the edge keeps the code, the status, the headers (such as
     * `Retry-After`) and the request id, and logs the error as thrown.
     */
    errorText?: (code: ErrorCode, shown: ErrorText) => ErrorText;
  }
}

/** What a client reads of an error besides its code and status. */
export interface ErrorText {
  message: string;
  details?: unknown;
}

/** The Fastify instance routes are registered on, with Zod schemas as the type provider. */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;
