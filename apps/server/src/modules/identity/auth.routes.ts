import {
  LoginRequest,
  RefreshRequest,
  ResetPasswordRequest,
  SessionState,
  SessionTokens,
} from "@parley/contracts";
import { z } from "zod";
import { COOKIES } from "../../http/authenticate.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { AccessService } from "./access.service.ts";
import type { AuthService } from "./auth.service.ts";
import type { PasswordResetService } from "./password-reset.service.ts";
import { contextOf } from "../../http/request-context.ts";
import { clearSession, sendSession } from "./session-cookies.ts";

/** Password sign-in, the session probe, token rotation and sign-out. */
export function registerAuthRoutes(
  app: TypedApp,
  deps: { auth: AuthService; access: AccessService; resets: PasswordResetService },
): void {
  app.get(
    "/api/v1/auth/session",
    {
      config: { permission: "public" },
      schema: {
        tags: ["auth"],
        summary: "Whether this browser is signed in (200 either way), renewing an expired session",
        description:
          "Answers the signed-in user when the access cookie holds; when it has expired and the refresh cookie holds, rotates the session (new cookies) and answers the user; otherwise `signedIn: false` and clears stale cookies. Web apps call this instead of probing with a request that fails.",
        response: { 200: SessionState },
      },
    },
    async (request, reply) => {
      if (request.principal) return { signedIn: true, me: await deps.access.me(contextOf(request)) };
      const refreshToken = request.cookies[COOKIES.refresh];
      if (!refreshToken) return { signedIn: false, me: null };
      try {
        const session = await deps.auth.refresh(refreshToken, contextOf(request));
        const { principal } = await deps.auth.authenticate(session.accessToken);
        sendSession(request, reply, session);
        return { signedIn: true, me: await deps.access.me({ ...contextOf(request), principal }) };
      } catch (error) {
        // A refresh token that no longer holds (expired, revoked, reused): signed out.
        if (!(error instanceof AppError) || error.code !== "auth.invalid_token") throw error;
        clearSession(reply);
        return { signedIn: false, me: null };
      }
    },
  );

  app.post(
    "/api/v1/auth/login",
    {
      config: { permission: "public" },
      schema: {
        tags: ["auth"],
        summary: "Sign in with email and password",
        description:
          "Returns tokens and sets them as httpOnly cookies. Failed attempts are throttled and locked per account and IP.",
        body: LoginRequest,
        response: { 200: SessionTokens },
      },
    },
    async (request, reply) => {
      const session = await deps.auth.login(request.body.email, request.body.password, contextOf(request));
      return sendSession(request, reply, session);
    },
  );

  app.post(
    "/api/v1/auth/refresh",
    {
      config: { permission: "public" },
      schema: {
        tags: ["auth"],
        summary: "Exchange a refresh token (body or cookie) for a new pair",
        description:
          "Each refresh token rotates once; presented again within the reuse grace (20 s) it yields a sibling pair, later it revokes the whole session.",
        body: RefreshRequest.nullish(),
        response: { 200: SessionTokens },
      },
    },
    async (request, reply) => {
      const token = request.body?.refreshToken ?? request.cookies[COOKIES.refresh];
      if (!token) throw new AppError("auth.required", "Send refreshToken in the body or the refresh cookie");
      const session = await deps.auth.refresh(token, contextOf(request));
      return sendSession(request, reply, session);
    },
  );

  app.post(
    "/api/v1/auth/logout",
    {
      config: { permission: "public" },
      schema: {
        tags: ["auth"],
        summary: "End the session and clear its cookies",
        body: RefreshRequest.nullish(),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const bodyToken = request.body?.refreshToken;
      const token = bodyToken ?? request.cookies[COOKIES.refresh];
      // A session named only by cookies (the browser's) must prove the request is its own.
      const viaCookies = bodyToken === undefined && request.headers.authorization === undefined;
      const header = request.headers["x-csrf-token"];
      const csrf = viaCookies ? { token: typeof header === "string" ? header : undefined } : undefined;
      await deps.auth.logout(token, request.sessionId ?? undefined, contextOf(request), csrf);
      clearSession(reply);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/v1/auth/password-reset",
    {
      config: { permission: "public" },
      schema: {
        tags: ["auth"],
        summary: "Set a new password with a one-time reset link's token; signs out every session",
        body: ResetPasswordRequest,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.resets.redeem(request.body, contextOf(request));
      return reply.code(204).send(null);
    },
  );
}
