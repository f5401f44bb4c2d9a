import {
  AccountSession,
  ChangePasswordRequest,
  IdParams,
  PasswordChanged,
  SessionsSignedOut,
  UpdateProfileRequest,
  User,
} from "@parley/contracts";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import { contextOf } from "../../http/request-context.ts";
import type { AccountService } from "./account.service.ts";
import { clearSession } from "./session-cookies.ts";
import { toUser } from "./user-view.ts";

/** One's own account: name, password, sessions. Signed-in people only, never API keys. */
export function registerAccountRoutes(app: TypedApp, deps: { account: AccountService }): void {
  const tags = ["account"];
  app.patch(
    "/api/v1/me",
    {
      config: { permission: "authenticated" },
      schema: {
        tags,
        summary: "Change your own name",
        body: UpdateProfileRequest,
        response: { 200: User },
      },
    },
    async (request) => toUser(await deps.account.updateProfile(request.body, contextOf(request))),
  );
  app.post(
    "/api/v1/me/password",
    {
      config: { permission: "authenticated" },
      schema: {
        tags,
        summary: "Change your own password with the current one; signs out your other sessions",
        description:
          "Wrong current passwords count as failed sign-ins of the account from this IP (throttled and locked alike).",
        body: ChangePasswordRequest,
        response: { 200: PasswordChanged },
      },
    },
    (request) => deps.account.changePassword(request.body, request.sessionId, contextOf(request)),
  );
  app.get(
    "/api/v1/me/sessions",
    {
      config: { permission: "authenticated" },
      schema: {
        tags,
        summary: "Your active sessions (sign-ins), this one marked current",
        response: { 200: z.object({ items: z.array(AccountSession) }) },
      },
    },
    async (request) => ({ items: await deps.account.sessions(request.sessionId, contextOf(request)) }),
  );
  app.post(
    "/api/v1/me/sessions/sign-out-others",
    {
      config: { permission: "authenticated" },
      schema: {
        tags,
        summary: "Sign out every session of yours but this one",
        response: { 200: SessionsSignedOut },
      },
    },
    async (request) => ({
      signedOut: await deps.account.signOutOthers(request.sessionId, contextOf(request)),
    }),
  );
  app.delete(
    "/api/v1/me/sessions/:id",
    {
      config: { permission: "authenticated" },
      schema: {
        tags,
        summary: "Sign out one of your sessions (this one clears its cookies)",
        params: IdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.account.signOut(request.params.id, contextOf(request));
      if (request.params.id === request.sessionId) clearSession(reply);
      return reply.code(204).send(null);
    },
  );
}
