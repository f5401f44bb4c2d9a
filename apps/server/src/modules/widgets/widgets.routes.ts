import {
  CreateWidgetRequest,
  CreatedWidget,
  DeleteWidgetQuery,
  IdParams,
  UpdateWidgetRequest,
  Widget,
  WidgetListQuery,
  WidgetSecret,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { WidgetService } from "./widgets.service.ts";

/** Widgets as their team manages them: list, publish, read, change, delete, rotate key and secret. */
export function registerWidgetRoutes(app: TypedApp, deps: { widgets: WidgetService }): void {
  const tags = ["widgets"];
  app.get(
    "/api/v1/widgets",
    {
      config: { permission: "widgets:read" },
      schema: {
        tags,
        summary: "Your teams' widgets (assistants published on websites), by name",
        querystring: WidgetListQuery,
        response: { 200: z.object({ items: z.array(Widget) }) },
      },
    },
    (request) => deps.widgets.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/widgets",
    {
      config: { permission: "widgets:manage" },
      schema: {
        tags,
        summary:
          "Publish a team assistant as a widget; you become its publisher (answers use your access there)",
        body: CreateWidgetRequest,
        response: { 201: CreatedWidget },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.widgets.create(request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/widgets/:id",
    {
      config: { permission: "widgets:read" },
      schema: { tags, summary: "A widget", params: IdParams, response: { 200: Widget } },
    },
    (request) => deps.widgets.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/widgets/:id",
    {
      config: { permission: "widgets:manage" },
      schema: {
        tags,
        summary: "Change a widget's settings (origins, greeting, colours, position, mode, limits)",
        params: IdParams,
        body: UpdateWidgetRequest,
        response: { 200: Widget },
      },
    },
    (request) => deps.widgets.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/widgets/:id",
    {
      config: { permission: "widgets:manage" },
      schema: {
        tags,
        summary:
          "Unpublish a widget and delete its visitors' conversations (confirmed with their number, ?deleteConversations=N)",
        params: IdParams,
        querystring: DeleteWidgetQuery,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.widgets.delete(request.params.id, request.query, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.post(
    "/api/v1/widgets/:id/rotate-key",
    {
      config: { permission: "widgets:manage" },
      schema: {
        tags,
        summary: "A new public key: embeds with the old one stop working, and so do visitors' tokens",
        params: IdParams,
        response: { 200: Widget },
      },
    },
    (request) => deps.widgets.rotateKey(request.params.id, contextOf(request)),
  );
  app.post(
    "/api/v1/widgets/:id/rotate-secret",
    {
      config: { permission: "widgets:manage" },
      schema: {
        tags,
        summary: "A new secret for signing visitors' user ids; signatures made with the old one are refused",
        params: IdParams,
        response: { 200: WidgetSecret },
      },
    },
    (request) => deps.widgets.rotateSecret(request.params.id, contextOf(request)),
  );
  app.get(
    "/api/v1/widgets/:id/secret",
    {
      config: { permission: "widgets:manage" },
      schema: {
        tags,
        summary: "The widget's secret, for the host site's server to sign user ids (signed mode)",
        params: IdParams,
        response: { 200: WidgetSecret },
      },
    },
    (request) => deps.widgets.secret(request.params.id, contextOf(request)),
  );
}
