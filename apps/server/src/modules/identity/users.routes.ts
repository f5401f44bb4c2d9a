import { CreateUserRequest, IdParams, ListQuery, UpdateUserRequest, User, pageOf } from "@parley/contracts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { contextOf } from "../../http/request-context.ts";
import type { UserService } from "./user.service.ts";
import { toUser } from "./user-view.ts";

/** Accounts, for administrators (and each user's own record). */
export function registerUserRoutes(app: TypedApp, deps: { users: UserService }): void {
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
}
