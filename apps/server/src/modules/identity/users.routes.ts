import {
  CreateUserRequest,
  IdParams,
  ListQuery,
  PasswordResetLink,
  UpdateUserRequest,
  User,
  pageOf,
} from "@parley/contracts";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import { contextOf } from "../../http/request-context.ts";
import type { PasswordResetService } from "./password-reset.service.ts";
import type { UserService } from "./user.service.ts";
import { toUser } from "./user-view.ts";

/** Accounts, for administrators (and each user's own record). */
export function registerUserRoutes(
  app: TypedApp,
  deps: { users: UserService; resets: PasswordResetService },
): void {
  app.get(
    "/api/v1/users",
    {
      config: { permission: "users:read" },
      schema: {
        tags: ["users"],
        summary: "List accounts",
        querystring: ListQuery,
        response: { 200: pageOf(User) },
      },
    },
    (request) => deps.users.list(request.query, contextOf(request)),
  );

  app.post(
    "/api/v1/users",
    {
      config: { permission: "users:manage" },
      schema: {
        tags: ["users"],
        summary: "Create an account",
        body: CreateUserRequest,
        response: { 201: User },
      },
    },
    async (request, reply) =>
      reply.code(201).send(toUser(await deps.users.add(request.body, contextOf(request)))),
  );

  app.get(
    "/api/v1/users/:id",
    {
      config: { permission: "authenticated" },
      schema: {
        tags: ["users"],
        summary: "One account (your own, or any with users:read)",
        params: IdParams,
        response: { 200: User },
      },
    },
    async (request) => toUser(await deps.users.get(request.params.id, contextOf(request))),
  );

  app.patch(
    "/api/v1/users/:id",
    {
      config: { permission: "users:manage" },
      schema: {
        tags: ["users"],
        summary: "Change name, role, status or password",
        params: IdParams,
        body: UpdateUserRequest,
        response: { 200: User },
      },
    },
    async (request) => toUser(await deps.users.update(request.params.id, request.body, contextOf(request))),
  );

  app.delete(
    "/api/v1/users/:id",
    {
      config: { permission: "users:manage" },
      schema: {
        tags: ["users"],
        summary: "Delete an account and what it owns",
        description:
          "Removes its sessions, API keys, memberships, its conversations (team ones it started too), assistants, knowledge bases and feedback; what it wrote in teams (rules, practices, prompts, guides, projects) stays without an author. The audit log keeps its entries. Not your own account, nor one ranked above yours.",
        params: IdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.users.remove(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/api/v1/users/:id/password-reset",
    {
      config: { permission: "users:manage" },
      schema: {
        tags: ["users"],
        summary: "Make a one-time password reset link (24 h) to pass on to the person",
        description: "A newer link replaces older unused ones. No mail is sent.",
        params: IdParams,
        response: { 201: PasswordResetLink },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.resets.issue(request.params.id, contextOf(request))),
  );
}
