import type { FastifyReply, FastifyRequest } from "fastify";
import { holdsAnywhere, type Principal } from "../kernel/principal.ts";
import { AppError } from "../kernel/app-error.ts";

/** Cookie names of a browser session. */
export const COOKIES = { access: "parley_access", refresh: "parley_refresh", csrf: "parley_csrf" } as const;

/** A credential that was presented and verified. */
export interface ResolvedCredential {
  principal: Principal;
  /** The sign-in session, for logout; null for API keys. */
  sessionId: string | null;
  /** Where it came from: cookie sessions need a CSRF token on unsafe methods. */
  via: "bearer" | "cookie";
}

/** What the HTTP edge needs from identity to authenticate and authorize requests. */
export interface EdgeAuth {
  /** Verifies a bearer credential (JWT or `pk_...` key). @throws AppError `auth.invalid_token`. */
  verify(credential: string): Promise<{ principal: Principal; sessionId: string | null }>;
  /** Whether `token` is the CSRF token of the session `sessionId`; without it, cookie writes fail. */
  csrfMatches?(sessionId: string, token: string | undefined): boolean;
  /** Records a refused request in the audit log. */
  denied(request: FastifyRequest, permission: string): Promise<void>;
  /** Applies per-user and per-API-key limits. @throws AppError `rate_limit.exceeded`. */
  limit(request: FastifyRequest, reply: FastifyReply, principal: Principal): Promise<void>;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

declare module "fastify" {
  interface FastifyRequest {
    /** The session of a cookie or JWT credential, for logout. */
    sessionId: string | null;
  }
}

/**
 * The authentication and authorization step every request passes: resolves the credential
 * (Authorization header first, then the session cookie), enforces CSRF for cookie sessions,
 * checks the route's declared permission, and applies per-principal rate limits.
 */
export async function authenticateRequest(
  auth: EdgeAuth,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  request.principal = null;
  request.sessionId = null;
  const permission = request.routeOptions.config.permission;
  if (!permission) return; // unmatched route: the 404/405 handler answers

  let resolved: ResolvedCredential | null = null;
  try {
    resolved = await resolveCredential(auth, request);
  } catch (error) {
    if (permission !== "public") throw error;
  }
  if (permission === "public") {
    // A public write acts as the cookie session only when it proves it is the session's own
    // (joining a team through an invitation, signing out); without the token it is anonymous.
    if (
      resolved &&
      !(resolved.via === "cookie" && UNSAFE.has(request.method) && !csrfHolds(auth, request, resolved))
    ) {
      request.principal = resolved.principal;
      request.sessionId = resolved.sessionId;
    }
    return;
  }
  if (!resolved)
    throw new AppError("auth.required", "Sign in or send an API key (Authorization: Bearer ...)");
  if (resolved.via === "cookie" && UNSAFE.has(request.method)) checkCsrf(auth, request, resolved.sessionId);
  request.principal = resolved.principal;
  request.sessionId = resolved.sessionId;
  if (permission !== "authenticated" && !holdsAnywhere(resolved.principal, permission)) {
    await auth.denied(request, permission);
    throw new AppError("auth.forbidden", `This needs the ${permission} permission`, {
      details: { permission },
    });
  }
  await auth.limit(request, reply, resolved.principal);
}

async function resolveCredential(
  auth: EdgeAuth,
  request: FastifyRequest,
): Promise<ResolvedCredential | null> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S{1,4096})$/i.exec(header.trim());
    if (!match?.[1]) throw new AppError("auth.invalid_token", "Authorization must be 'Bearer <token>'");
    return { ...(await auth.verify(match[1])), via: "bearer" };
  }
  const cookie = request.cookies[COOKIES.access];
  if (cookie) return { ...(await auth.verify(cookie)), via: "cookie" };
  return null;
}

function csrfHolds(auth: EdgeAuth, request: FastifyRequest, resolved: ResolvedCredential): boolean {
  try {
    checkCsrf(auth, request, resolved.sessionId);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `x-csrf-token` header must be the CSRF token of the session the access cookie belongs to
 * (derived from the session, not compared with a cookie: a planted cookie proves nothing).
 */
function checkCsrf(auth: EdgeAuth, request: FastifyRequest, sessionId: string | null): void {
  const header = request.headers["x-csrf-token"];
  const token = typeof header === "string" ? header : undefined;
  if (sessionId === null || auth.csrfMatches?.(sessionId, token) !== true) {
    throw new AppError("auth.csrf_failed", "Missing or wrong x-csrf-token header for a cookie session");
  }
}
