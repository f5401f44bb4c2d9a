import type { SessionTokens } from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { COOKIES } from "../../http/authenticate.ts";
import type { IssuedSession } from "./auth.service.ts";
import { iso } from "../../kernel/ids.ts";
import { toUser } from "./user-view.ts";

/**
 * Sets the session as cookies for the web app (httpOnly tokens, and the session's CSRF token
 * readable by the app, which echoes it as `x-csrf-token`) and returns it as the JSON body for
 * other clients.
 */
export function sendSession(
  request: FastifyRequest,
  reply: FastifyReply,
  session: IssuedSession,
): SessionTokens {
  const secure = request.protocol === "https";
  const csrfToken = session.csrfToken;
  const refreshMaxAge = Math.floor((session.refreshTokenExpiresAt - Date.now()) / 1000);
  reply.setCookie(COOKIES.access, session.accessToken, {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/",
    maxAge: refreshMaxAge,
  });
  // The refresh token only travels to the auth endpoints.
  reply.setCookie(COOKIES.refresh, session.refreshToken, {
    httpOnly: true,
    sameSite: "strict",
    secure,
    path: "/api/v1/auth",
    maxAge: refreshMaxAge,
  });
  reply.setCookie(COOKIES.csrf, csrfToken, {
    httpOnly: false,
    sameSite: "lax",
    secure,
    path: "/",
    maxAge: refreshMaxAge,
  });
  return {
    accessToken: session.accessToken,
    accessTokenExpiresAt: iso(session.accessTokenExpiresAt),
    refreshToken: session.refreshToken,
    refreshTokenExpiresAt: iso(session.refreshTokenExpiresAt),
    csrfToken,
    user: toUser(session.user),
  };
}

/** Removes the session cookies. */
export function clearSession(reply: FastifyReply): void {
  reply.clearCookie(COOKIES.access, { path: "/" });
  reply.clearCookie(COOKIES.refresh, { path: "/api/v1/auth" });
  reply.clearCookie(COOKIES.csrf, { path: "/" });
}
