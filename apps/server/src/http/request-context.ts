import type { FastifyRequest } from "fastify";
import type { RequestContext } from "../kernel/request-context.ts";

/** The use-case context of an HTTP request. */
export function contextOf(request: FastifyRequest): RequestContext {
  const ua = request.headers["user-agent"];
  return {
    requestId: request.id,
    ip: request.ip,
    userAgent: typeof ua === "string" ? ua : null,
    principal: request.principal,
  };
}
