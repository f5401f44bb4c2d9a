import type { FastifyInstance, RawServerDefault, FastifyBaseLogger } from "fastify";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ZodTypeProvider } from "fastify-type-provider-zod";

/**
 * What a route requires: `public` (no authentication) or a permission string such as
 * `conversations:write`. Every route declares one; the server refuses to start otherwise.
 */
export type Permission = "public" | `${string}:${string}`;

declare module "fastify" {
  interface FastifyContextConfig {
    /** The permission this route requires. */
    permission?: Permission;
    /** False to exempt the route from the per-IP request limit (probes, metrics). */
    rateLimit?: boolean;
  }
}

/** The Fastify instance routes are registered on, with Zod schemas as the type provider. */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;
