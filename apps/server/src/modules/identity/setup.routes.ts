import { SessionTokens, SetupAdminRequest, SetupStatus } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { AuthService } from "./auth.service.ts";
import { contextOf } from "../../http/request-context.ts";
import { sendSession } from "./session-cookies.ts";
import type { UserService } from "./user.service.ts";

/**
 * First-run setup from the web app: while no account exists, the first visitor creates the
 * admin (like `parley admin create`). Once any account exists these routes refuse; of concurrent
 * setups exactly one succeeds, the others get 409 `resource.conflict`.
 */
export function registerSetupRoutes(app: TypedApp, deps: { users: UserService; auth: AuthService }): void {
  app.get(
    "/api/v1/setup",
    {
      config: { permission: "public" },
      schema: {
        tags: ["auth"],
        summary: "Whether this installation still needs its first admin",
        response: { 200: SetupStatus },
      },
    },
    async () => ({ needsAdmin: !(await deps.users.isSetUp()) }),
  );
  app.post(
    "/api/v1/setup/admin",
    {
      config: { permission: "public" },
      schema: {
        tags: ["auth"],
        summary: "Create the first admin and sign in (only while no account exists)",
        body: SetupAdminRequest,
        response: { 201: SessionTokens },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const admin = await deps.users.createFirstAdmin(
        {
          email: request.body.email,
          password: request.body.password,
          ...(request.body.name ? { name: request.body.name } : {}),
        },
        ctx,
      );
      if (!admin)
        throw new AppError("resource.conflict", "Setup is done: an account exists already; sign in instead");
      return reply.code(201).send(sendSession(request, reply, await deps.auth.startSession(admin, ctx)));
    },
  );
}
