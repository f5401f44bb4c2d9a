import {
  CreateProviderRequest,
  Model,
  ModelListQuery,
  ModelParams,
  Provider,
  ProviderParams,
  ProviderTestResult,
  TestProviderRequest,
  UpdateModelRequest,
  UpdateProviderRequest,
} from "@parley/contracts";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import { contextOf } from "../../http/request-context.ts";
import type { ModelService } from "./model.service.ts";
import type { ProviderService } from "./provider.service.ts";

/** Providers (admins) and the model list (every AI user). */
export function registerProvidersRoutes(
  app: TypedApp,
  deps: { providers: ProviderService; models: ModelService },
): void {
  const tags = ["providers"];
  app.get(
    "/api/v1/providers",
    {
      config: { permission: "providers:read" },
      schema: {
        tags,
        summary: "Every provider: configured, created here, or detected (never API keys)",
        response: { 200: z.object({ items: z.array(Provider) }) },
      },
    },
    async (request) => ({ items: await deps.providers.list(contextOf(request)) }),
  );
  app.post(
    "/api/v1/providers",
    {
      config: { permission: "providers:manage" },
      schema: { tags, summary: "Add a provider", body: CreateProviderRequest, response: { 201: Provider } },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.providers.create(request.body, contextOf(request))),
  );
  app.patch(
    "/api/v1/providers/:id",
    {
      config: { permission: "providers:manage" },
      schema: {
        tags,
        summary: "Change a provider made through the API (configured ones answer 409)",
        params: ProviderParams,
        body: UpdateProviderRequest,
        response: { 200: Provider },
      },
    },
    (request) => deps.providers.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/providers/:id",
    {
      config: { permission: "providers:manage" },
      schema: {
        tags,
        summary: "Delete a provider made through the API, with its models' settings",
        params: ProviderParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.providers.remove(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.post(
    "/api/v1/providers/test",
    {
      config: { permission: "providers:manage" },
      schema: {
        tags,
        summary: "Try a provider before adding it: list its models with these credentials",
        body: TestProviderRequest,
        response: { 200: ProviderTestResult },
      },
    },
    (request) => deps.providers.testUnsaved(request.body, contextOf(request)),
  );
  app.post(
    "/api/v1/providers/:id/test",
    {
      config: { permission: "providers:manage" },
      schema: {
        tags,
        summary: "List the upstream's models with the provider's credentials: ok, latency, error",
        params: ProviderParams,
        response: { 200: ProviderTestResult },
      },
    },
    (request) => deps.providers.test(request.params.id, contextOf(request)),
  );
  app.get(
    "/api/v1/models",
    {
      config: { permission: "ai:use" },
      schema: {
        tags: ["models"],
        summary: "Models you may use, with aliases, limits and prices (all=true: disabled too)",
        querystring: ModelListQuery,
        response: { 200: z.object({ items: z.array(Model) }) },
      },
    },
    async (request) => ({ items: await deps.models.list(request.query, contextOf(request)) }),
  );
  app.patch(
    "/api/v1/models/:provider/:model",
    {
      config: { permission: "providers:manage" },
      schema: {
        tags: ["models"],
        summary: "Override a model's aliases, prices, limits, fallbacks or availability",
        params: ModelParams,
        body: UpdateModelRequest,
        response: { 200: Model },
      },
    },
    (request) =>
      deps.models.update(request.params.provider, request.params.model, request.body, contextOf(request)),
  );
}
