import { SsoCallbackQuery, SsoProviderList, SsoProviderParams, SsoStartQuery } from "@parley/contracts";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../../kernel/app-error.ts";
import type { TypedApp } from "../../../kernel/route-config.ts";
import { contextOf } from "../../../http/request-context.ts";
import { sendSession } from "../session-cookies.ts";
import { SSO_STATE_TTL_MS, type OidcService } from "./oidc.service.ts";

/** Cookie binding a started sign-in to the browser that started it (against login CSRF). */
export const SSO_STATE_COOKIE = "parley_sso_state";
const COOKIE_PATH = "/api/v1/auth/oidc";

/**
 * OpenID Connect single sign-on: the provider list for the login page, the start (redirect to
 * the provider) and the callback (session cookies, then back into the app). Sign-in failures
 * redirect to `/login?error=<code>` so that the user lands on a page, not on JSON; an unknown
 * provider answers 404.
 */
export function registerOidcRoutes(app: TypedApp, deps: { oidc: OidcService }): void {
  const tags = ["auth"];
  const redirect = z.null().describe("Redirect (`Location` header)");
  app.get(
    "/api/v1/auth/providers",
    {
      config: { permission: "public" },
      schema: {
        tags,
        summary: "Single sign-on providers for the login page",
        response: { 200: SsoProviderList },
      },
    },
    () => ({ items: deps.oidc.providers() }),
  );

  app.get(
    "/api/v1/auth/oidc/:provider/start",
    {
      config: { permission: "public" },
      schema: {
        tags,
        summary: "Start signing in with an OpenID Connect provider",
        description:
          "Redirects to the provider (code flow with PKCE). `returnTo` must be a path on this site.",
        params: SsoProviderParams,
        querystring: SsoStartQuery,
        response: { 302: redirect },
      },
    },
    async (request, reply) => {
      let target: string;
      try {
        const { url, state } = await deps.oidc.start(request.params.provider, request.query.returnTo);
        reply.setCookie(SSO_STATE_COOKIE, state, {
          httpOnly: true,
          // Lax: the provider sends the browser back with a top-level GET from another site.
          sameSite: "lax",
          secure: request.protocol === "https",
          path: COOKIE_PATH,
          maxAge: Math.floor(SSO_STATE_TTL_MS / 1000),
        });
        target = url;
      } catch (error) {
        target = failureTarget(request, error);
      }
      return reply.redirect(target, 302);
    },
  );

  app.get(
    "/api/v1/auth/oidc/:provider/callback",
    {
      config: { permission: "public" },
      schema: {
        tags,
        summary: "Where the OpenID Connect provider sends the browser back",
        description:
          "Sets the session cookies and redirects to `returnTo`; on failure redirects to `/login?error=<code>`.",
        params: SsoProviderParams,
        querystring: SsoCallbackQuery,
        response: { 302: redirect },
      },
    },
    async (request, reply) => {
      const browserState = request.cookies[SSO_STATE_COOKIE];
      reply.clearCookie(SSO_STATE_COOKIE, { path: COOKIE_PATH });
      let target: string;
      try {
        const currentUrl = new URL(request.url, "http://callback.invalid");
        const { session, returnTo } = await deps.oidc.callback(
          request.params.provider,
          currentUrl,
          contextOf(request),
          browserState,
        );
        sendSession(request, reply, session);
        target = returnTo;
      } catch (error) {
        target = failureTarget(request, error);
      }
      return reply.redirect(target, 302);
    },
  );
}

/**
 * Where a failed sign-in sends the browser: the login page with the error code. Unknown
 * providers are rethrown (404): there is no sign-in to report on.
 */
function failureTarget(request: FastifyRequest, error: unknown): string {
  if (error instanceof AppError && error.code === "sso_provider.not_found") throw error;
  if (error instanceof AppError) request.log.info({ err: error }, "single sign-on failed");
  else request.log.error({ err: error }, "single sign-on failed");
  const code = error instanceof AppError ? error.code : "server.internal";
  return `/login?error=${encodeURIComponent(code)}`;
}
