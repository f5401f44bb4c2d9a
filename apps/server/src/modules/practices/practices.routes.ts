import {
  CreatePracticeRequest,
  IdParams,
  MovePracticeRequest,
  PatchPracticeRequest,
  Practice,
  PracticeListQuery,
  PracticeVersion,
  PracticeVersionParams,
  UpdatePracticeRequest,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { PracticeService } from "./practices.service.ts";

/** Practices: list, create, read, new version, versions, enable/disable or position, move, delete. */
export function registerPracticeRoutes(app: TypedApp, deps: { practices: PracticeService }): void {
  const tags = ["practices"];
  const base = "/api/v1/practices";
  const list = z.object({ items: z.array(Practice) });
  app.get(
    base,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "A team's practices (or your teams'), or one project's, in order",
        querystring: PracticeListQuery,
        response: { 200: list },
      },
    },
    (request) => deps.practices.list(request.query, contextOf(request)),
  );
  app.post(
    base,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary: "Create a practice of a team, or of one of its projects",
        body: CreatePracticeRequest,
        response: { 201: Practice },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.practices.create(request.body, contextOf(request))),
  );
  app.get(
    `${base}/:id`,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "A practice with its current version",
        params: IdParams,
        response: { 200: Practice },
      },
    },
    (request) => deps.practices.get(request.params.id, contextOf(request)),
  );
  app.put(
    `${base}/:id`,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary: "Save a new version of a practice (409 when expectedVersion is not the current one)",
        params: IdParams,
        body: UpdatePracticeRequest,
        response: { 200: Practice },
      },
    },
    (request) => deps.practices.update(request.params.id, request.body, contextOf(request)),
  );
  app.patch(
    `${base}/:id`,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary: "Enable or disable a practice, or change its position",
        params: IdParams,
        body: PatchPracticeRequest,
        response: { 200: Practice },
      },
    },
    (request) => deps.practices.patch(request.params.id, request.body, contextOf(request)),
  );
  app.post(
    `${base}/:id/move`,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary: "Move a practice one place up or down in its scope; answers the scope in its new order",
        params: IdParams,
        body: MovePracticeRequest,
        response: { 200: list },
      },
    },
    (request) => deps.practices.move(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    `${base}/:id`,
    {
      config: { permission: "governance:manage" },
      schema: { tags, summary: "Delete a practice and its versions", params: IdParams },
    },
    async (request, reply) => {
      await deps.practices.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.get(
    `${base}/:id/versions`,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "A practice's versions, newest first",
        params: IdParams,
        response: { 200: z.object({ items: z.array(PracticeVersion) }) },
      },
    },
    (request) => deps.practices.versions(request.params.id, contextOf(request)),
  );
  app.get(
    `${base}/:id/versions/:version`,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "One version of a practice",
        params: PracticeVersionParams,
        response: { 200: PracticeVersion },
      },
    },
    (request) => deps.practices.version(request.params.id, request.params.version, contextOf(request)),
  );
}
