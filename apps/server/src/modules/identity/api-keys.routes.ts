import { ApiKey, ApiKeyCreated, CreateApiKeyRequest, IdParams } from "@parley/contracts";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { ApiKeyService } from "./api-key.service.ts";
import { contextOf } from "../../http/request-context.ts";

/** API keys of the signed-in user. */
export function registerApiKeyRoutes(app: TypedApp, deps: { apiKeys: ApiKeyService }): void {
  const tags = ["api-keys"];
  app.get(
    "/api/v1/api-keys",
    {
      config: { permission: "api-keys:manage" },
      schema: {
        tags,
        summary: "Your API keys (never their secrets)",
        response: { 200: z.object({ items: z.array(ApiKey) }) },
      },
    },
    async (request) => ({ items: await deps.apiKeys.list(contextOf(request)) }),
  );
  app.post(
    "/api/v1/api-keys",
    {
      config: { permission: "api-keys:manage" },
      schema: {
        tags,
        summary: "Create a key with a subset of your permissions; the key is shown this once",
        body: CreateApiKeyRequest,
        response: { 201: ApiKeyCreated },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.apiKeys.create(request.body, contextOf(request))),
  );
  app.delete(
    "/api/v1/api-keys/:id",
    {
      config: { permission: "api-keys:manage" },
      schema: { tags, summary: "Revoke a key", params: IdParams, response: { 200: ApiKey } },
    },
    (request) => deps.apiKeys.revoke(request.params.id, contextOf(request)),
  );
}
