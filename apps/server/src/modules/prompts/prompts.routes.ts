import {
  CreatePromptRequest,
  IdParams,
  Prompt,
  PromptDiff,
  PromptDiffQuery,
  PromptListQuery,
  PromptStats,
  PromptVersion,
  PromptVersionParams,
  RenderedPrompt,
  RenderPromptRequest,
  UpdatePromptRequest,
  pageOf,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { PromptService } from "./prompts.service.ts";

/** Prompts: list, create, read, new version, delete, versions, diff, render, stats. */
export function registerPromptRoutes(app: TypedApp, deps: { prompts: PromptService }): void {
  const tags = ["prompts"];
  const base = "/api/v1/prompts";
  app.get(
    base,
    {
      config: { permission: "prompts:read" },
      schema: {
        tags,
        summary: "Your teams' prompt templates and personas (or one team's, one kind), by name",
        querystring: PromptListQuery,
        response: { 200: pageOf(Prompt) },
      },
    },
    (request) => deps.prompts.list(request.query, contextOf(request)),
  );
  app.post(
    base,
    {
      config: { permission: "prompts:manage" },
      schema: {
        tags,
        summary: "Create a template or persona in a team (its version 1)",
        body: CreatePromptRequest,
        response: { 201: Prompt },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.prompts.create(request.body, contextOf(request))),
  );
  app.get(
    `${base}/:id`,
    {
      config: { permission: "prompts:read" },
      schema: {
        tags,
        summary: "A prompt with its current version and labels",
        params: IdParams,
        response: { 200: Prompt },
      },
    },
    (request) => deps.prompts.get(request.params.id, contextOf(request)),
  );
  app.put(
    `${base}/:id`,
    {
      config: { permission: "prompts:manage" },
      schema: {
        tags,
        summary: "Save a new version (409 when expectedVersion is not the current one)",
        params: IdParams,
        body: UpdatePromptRequest,
        response: { 200: Prompt },
      },
    },
    (request) => deps.prompts.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    `${base}/:id`,
    {
      config: { permission: "prompts:manage" },
      schema: { tags, summary: "Delete a prompt with its versions, labels and stats", params: IdParams },
    },
    async (request, reply) => {
      await deps.prompts.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.get(
    `${base}/:id/versions`,
    {
      config: { permission: "prompts:read" },
      schema: {
        tags,
        summary: "A prompt's versions, newest first",
        params: IdParams,
        response: { 200: z.object({ items: z.array(PromptVersion) }) },
      },
    },
    (request) => deps.prompts.versions(request.params.id, contextOf(request)),
  );
  app.get(
    `${base}/:id/versions/:version`,
    {
      config: { permission: "prompts:read" },
      schema: { tags, summary: "One version", params: PromptVersionParams, response: { 200: PromptVersion } },
    },
    (request) => deps.prompts.version(request.params.id, request.params.version, contextOf(request)),
  );
  app.get(
    `${base}/:id/diff`,
    {
      config: { permission: "prompts:read" },
      schema: {
        tags,
        summary: "The line diff between two versions",
        params: IdParams,
        querystring: PromptDiffQuery,
        response: { 200: PromptDiff },
      },
    },
    (request) =>
      deps.prompts.diff(request.params.id, request.query.from, request.query.to, contextOf(request)),
  );
  app.post(
    `${base}/:id/render`,
    {
      config: { permission: "prompts:read" },
      schema: {
        tags,
        summary: "Render a template with typed variables (a version, a label's, or the current one)",
        params: IdParams,
        body: RenderPromptRequest,
        response: { 200: RenderedPrompt },
      },
    },
    (request) => deps.prompts.render(request.params.id, request.body, contextOf(request)),
  );
  app.get(
    `${base}/:id/stats`,
    {
      config: { permission: "prompts:read" },
      schema: {
        tags,
        summary: "Per version: calls, failures, tokens, cost and thumbs (to compare an A/B split)",
        params: IdParams,
        response: { 200: PromptStats },
      },
    },
    (request) => deps.prompts.stats(request.params.id, contextOf(request)),
  );
}
