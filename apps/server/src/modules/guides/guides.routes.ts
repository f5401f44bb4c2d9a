import {
  AnalyzeCodeRequest,
  CodeAnalysis,
  CreateGuideRequest,
  CreateGuideTemplateRequest,
  DraftGuideRequest,
  DraftGuideResponse,
  EstimateGuideRequest,
  EstimateReport,
  EstimateReportQuery,
  Guide,
  GuideEventsQuery,
  GuideListQuery,
  GuideSummary,
  GuideTaskParams,
  GuideTemplate,
  GuideTemplateListQuery,
  IdParams,
  UpdateGuideRequest,
  UpdateGuideTemplateRequest,
  UpdateTaskRequest,
  pageOf,
} from "@parley/contracts";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { GuideDrafting } from "./guide-drafting.ts";
import type { GuideEvents } from "./guide-events.ts";
import { relayGuideEvents, type GuideStreams } from "./guide-sse.ts";
import type { GuideTemplates } from "./guide-templates.service.ts";
import type { GuideService } from "./guides.service.ts";

/** What the guide routes call. */
export interface GuideRouteDeps {
  guides: GuideService;
  templates: GuideTemplates;
  drafting: GuideDrafting;
  events: GuideEvents;
  streams: GuideStreams;
}

/** `Last-Event-ID`, from the header (EventSource's reconnect) or the query. */
function lastEventIdOf(request: FastifyRequest, query: { lastEventId?: string | undefined }) {
  const header = request.headers["last-event-id"];
  return (typeof header === "string" ? header : undefined) ?? query.lastEventId;
}

/** Guides, their tasks, live events, AI drafting and estimates; guide templates. */
export function registerGuideRoutes(app: TypedApp, deps: GuideRouteDeps): void {
  const tags = ["guides"];
  app.get(
    "/api/v1/guides",
    {
      config: { permission: "guides:read" },
      schema: {
        tags,
        summary:
          "Your teams' guides, newest change first; filter by team, project, status, tag, owner, or search",
        querystring: GuideListQuery,
        response: { 200: pageOf(GuideSummary) },
      },
    },
    (request) => deps.guides.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/guides",
    {
      config: { permission: "guides:write" },
      schema: {
        tags,
        summary: "Create a guide from markdown, or from a template with its variables",
        body: CreateGuideRequest,
        response: { 201: Guide },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.guides.create(request.body, contextOf(request))),
  );
  app.post(
    "/api/v1/guides/draft",
    {
      config: { permission: "ai:use" },
      schema: {
        tags,
        summary:
          "Let the AI draft a guide (sections of estimated tasks) from a description; create: true stores it",
        body: DraftGuideRequest,
        response: { 200: DraftGuideResponse },
      },
    },
    (request) => deps.drafting.draft(request.body, contextOf(request)),
  );
  app.post(
    "/api/v1/guides/analyze",
    {
      config: { permission: "ai:use" },
      schema: {
        tags,
        summary: "Let the AI read a code snippet and suggest the sections of a guide",
        body: AnalyzeCodeRequest,
        response: { 200: CodeAnalysis.extend({ model: z.string() }) },
      },
    },
    (request) => deps.drafting.analyze(request.body, contextOf(request)),
  );
  app.get(
    "/api/v1/guides/estimate-report",
    {
      config: { permission: "guides:read" },
      schema: {
        tags,
        summary:
          "How far the team's estimates were from what its tasks took (calibration and error per guide)",
        querystring: EstimateReportQuery,
        response: { 200: EstimateReport },
      },
    },
    (request) => deps.guides.estimateReport(request.query.teamId, contextOf(request)),
  );
  app.get(
    "/api/v1/guides/events",
    {
      config: { permission: "guides:read", helmet: false },
      schema: {
        tags,
        summary: "Server-Sent Events of a team's guides (changes and progress); resume with Last-Event-ID",
        querystring: GuideEventsQuery.required({ teamId: true }),
      },
    },
    async (request, reply) => {
      const stream = await deps.events.open(
        { teamId: request.query.teamId },
        deps.guides,
        contextOf(request),
        lastEventIdOf(request, request.query),
      );
      return relayGuideEvents(deps.streams, stream, request, reply);
    },
  );
  app.get(
    "/api/v1/guides/:id",
    {
      config: { permission: "guides:read" },
      schema: {
        tags,
        summary: "A guide with its markdown, tasks and progress",
        params: IdParams,
        response: { 200: Guide },
      },
    },
    (request) => deps.guides.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/guides/:id",
    {
      config: { permission: "guides:write" },
      schema: {
        tags,
        summary: "Change a guide; new content needs expectedVersion (409 when someone changed it meanwhile)",
        params: IdParams,
        body: UpdateGuideRequest,
        response: { 200: Guide },
      },
    },
    (request) => deps.guides.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/guides/:id",
    {
      config: { permission: "guides:write" },
      schema: { tags, summary: "Delete a guide and its tasks", params: IdParams },
    },
    async (request, reply) => {
      await deps.guides.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.patch(
    "/api/v1/guides/:id/tasks/:taskId",
    {
      config: { permission: "guides:write" },
      schema: {
        tags,
        summary:
          "Start, tick or reopen a task (its checkbox in the markdown changes, nothing else), or estimate it",
        params: GuideTaskParams,
        body: UpdateTaskRequest,
        response: { 200: Guide },
      },
    },
    (request) =>
      deps.guides.updateTask(request.params.id, request.params.taskId, request.body, contextOf(request)),
  );
  app.post(
    "/api/v1/guides/:id/estimate",
    {
      config: { permission: "guides:write" },
      schema: {
        tags,
        summary: "Let the AI estimate the guide's tasks (those without an estimate, by default)",
        params: IdParams,
        body: EstimateGuideRequest,
        response: { 200: Guide },
      },
    },
    (request) => deps.drafting.estimate(request.params.id, request.body, contextOf(request)),
  );
  app.get(
    "/api/v1/guides/:id/events",
    {
      config: { permission: "guides:read", helmet: false },
      schema: {
        tags,
        summary: "Server-Sent Events of one guide (task changes and progress); resume with Last-Event-ID",
        params: IdParams,
        querystring: GuideEventsQuery.pick({ lastEventId: true }),
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const guideId = request.params.id;
      const teamId = await deps.guides.teamOf(guideId, ctx);
      const stream = await deps.events.open(
        { guideId, teamId },
        deps.guides,
        ctx,
        lastEventIdOf(request, request.query),
      );
      return relayGuideEvents(deps.streams, stream, request, reply);
    },
  );

  const templateTags = ["guide templates"];
  app.get(
    "/api/v1/guide-templates",
    {
      config: { permission: "guides:read" },
      schema: {
        tags: templateTags,
        summary: "The built-in guide templates, then your teams' own (or one team's)",
        querystring: GuideTemplateListQuery,
        response: { 200: z.object({ items: z.array(GuideTemplate) }) },
      },
    },
    async (request) => ({ items: await deps.templates.list(request.query.teamId, contextOf(request)) }),
  );
  app.post(
    "/api/v1/guide-templates",
    {
      config: { permission: "guides:write" },
      schema: {
        tags: templateTags,
        summary: "Create a team's guide template with variables ({{name}} in its title and markdown)",
        body: CreateGuideTemplateRequest,
        response: { 201: GuideTemplate },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.templates.create(request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/guide-templates/:id",
    {
      config: { permission: "guides:read" },
      schema: {
        tags: templateTags,
        summary: "A guide template",
        params: IdParams,
        response: { 200: GuideTemplate },
      },
    },
    (request) => deps.templates.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/guide-templates/:id",
    {
      config: { permission: "guides:write" },
      schema: {
        tags: templateTags,
        summary: "Change a team's guide template (built-in ones cannot be changed)",
        params: IdParams,
        body: UpdateGuideTemplateRequest,
        response: { 200: GuideTemplate },
      },
    },
    (request) => deps.templates.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/guide-templates/:id",
    {
      config: { permission: "guides:write" },
      schema: {
        tags: templateTags,
        summary: "Delete a team's guide template (its guides stay)",
        params: IdParams,
      },
    },
    async (request, reply) => {
      await deps.templates.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
}
