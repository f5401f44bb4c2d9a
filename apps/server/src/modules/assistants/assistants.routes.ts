import {
  Assistant,
  AssistantListQuery,
  CreateAssistantRequest,
  DuplicateAssistantRequest,
  IdParams,
  UpdateAssistantRequest,
  pageOf,
} from "@parley/contracts";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { AssistantService } from "./assistants.service.ts";

/** Assistants: list, create, read, change, delete, duplicate. */
export function registerAssistantRoutes(app: TypedApp, deps: { assistants: AssistantService }): void {
  const tags = ["assistants"];
  app.get(
    "/api/v1/assistants",
    {
      config: { permission: "assistants:read" },
      schema: {
        tags,
        summary: "Your assistants and your teams' shared ones, by name",
        querystring: AssistantListQuery,
        response: { 200: pageOf(Assistant) },
      },
    },
    (request) => deps.assistants.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/assistants",
    {
      config: { permission: "assistants:write" },
      schema: {
        tags,
        summary: "Create an assistant (in a team with teamId, else in your personal space)",
        body: CreateAssistantRequest,
        response: { 201: Assistant },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.assistants.create(request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/assistants/:id",
    {
      config: { permission: "assistants:read" },
      schema: { tags, summary: "An assistant", params: IdParams, response: { 200: Assistant } },
    },
    (request) => deps.assistants.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/assistants/:id",
    {
      config: { permission: "assistants:write" },
      schema: {
        tags,
        summary: "Change an assistant (yours; a team's shared one needs assistants:manage there)",
        params: IdParams,
        body: UpdateAssistantRequest,
        response: { 200: Assistant },
      },
    },
    (request) => deps.assistants.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/assistants/:id",
    {
      config: { permission: "assistants:write" },
      schema: { tags, summary: "Delete an assistant (its conversations go on without it)", params: IdParams },
    },
    async (request, reply) => {
      await deps.assistants.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.post(
    "/api/v1/assistants/:id/duplicate",
    {
      config: { permission: "assistants:write" },
      schema: {
        tags,
        summary: "Copy an assistant you can see; the copy is yours",
        params: IdParams,
        body: DuplicateAssistantRequest,
        response: { 201: Assistant },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await deps.assistants.duplicate(request.params.id, request.body, contextOf(request))),
  );
}
