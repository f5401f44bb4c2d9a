import {
  CreateProjectRequest,
  IdParams,
  Project,
  ProjectListQuery,
  UpdateProjectRequest,
  pageOf,
} from "@parley/contracts";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { ProjectService } from "./projects.service.ts";

/** Projects: list, create, read, change (archive, restore), delete. */
export function registerProjectRoutes(app: TypedApp, deps: { projects: ProjectService }): void {
  const tags = ["projects"];
  app.get(
    "/api/v1/projects",
    {
      config: { permission: "projects:read" },
      schema: {
        tags,
        summary: "Your teams' projects, by name (archived ones with includeArchived=true)",
        querystring: ProjectListQuery,
        response: { 200: pageOf(Project) },
      },
    },
    (request) => deps.projects.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/projects",
    {
      config: { permission: "projects:manage" },
      schema: {
        tags,
        summary: "Create a project in a team",
        body: CreateProjectRequest,
        response: { 201: Project },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.projects.create(request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/projects/:id",
    {
      config: { permission: "projects:read" },
      schema: { tags, summary: "A project", params: IdParams, response: { 200: Project } },
    },
    (request) => deps.projects.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/projects/:id",
    {
      config: { permission: "projects:manage" },
      schema: {
        tags,
        summary: "Change a project; archived: true archives it, false restores it",
        params: IdParams,
        body: UpdateProjectRequest,
        response: { 200: Project },
      },
    },
    (request) => deps.projects.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/projects/:id",
    {
      config: { permission: "projects:manage" },
      schema: {
        tags,
        summary: "Delete a project (its conversations stay, in no project)",
        params: IdParams,
      },
    },
    async (request, reply) => {
      await deps.projects.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
}
