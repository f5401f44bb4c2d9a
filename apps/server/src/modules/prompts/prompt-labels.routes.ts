import {
  ApproveLabelChange,
  DenyLabelChange,
  LabelChangeRequest,
  LabelParams,
  LabelRequestListQuery,
  LabelRequestParams,
  MoveLabelRequest,
  MoveLabelResult,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { LabelService } from "./prompt-labels.service.ts";

/** Labels of a prompt, and the requests to change protected ones with their approvals. */
export function registerLabelRoutes(app: TypedApp, deps: { labels: LabelService }): void {
  const tags = ["prompts"];
  app.put(
    "/api/v1/prompts/:id/labels/:label",
    {
      config: { permission: "prompts:manage" },
      schema: {
        tags,
        summary:
          "Point a label at a version or split it between two (A/B), protect or unprotect it; a protected label answers 202 with a request someone else approves",
        params: LabelParams,
        body: MoveLabelRequest,
        response: { 200: MoveLabelResult, 202: MoveLabelResult },
      },
    },
    async (request, reply) => {
      const moved = await deps.labels.move(
        request.params.id,
        request.params.label,
        request.body,
        contextOf(request),
      );
      return reply.code(moved.applied ? 200 : 202).send(moved.result);
    },
  );
  app.delete(
    "/api/v1/prompts/:id/labels/:label",
    {
      config: { permission: "prompts:manage" },
      schema: { tags, summary: "Delete an unprotected label", params: LabelParams },
    },
    async (request, reply) => {
      await deps.labels.delete(request.params.id, request.params.label, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  const requests = "/api/v1/prompt-label-requests";
  app.get(
    requests,
    {
      config: { permission: "prompts:read" },
      schema: {
        tags,
        summary: "Label change requests (pending by default) of your teams, a team or a prompt",
        querystring: LabelRequestListQuery,
        response: { 200: z.object({ items: z.array(LabelChangeRequest) }) },
      },
    },
    (request) => deps.labels.requests(request.query, contextOf(request)),
  );
  app.post(
    `${requests}/:requestId/approve`,
    {
      config: { permission: "prompts:approve" },
      schema: {
        tags,
        summary: "Approve a label change (not your own, not with an API key); it applies at once",
        params: LabelRequestParams,
        body: ApproveLabelChange,
        response: { 200: LabelChangeRequest },
      },
    },
    (request) => deps.labels.approve(request.params.requestId, request.body.reason, contextOf(request)),
  );
  app.post(
    `${requests}/:requestId/deny`,
    {
      config: { permission: "prompts:approve" },
      schema: {
        tags,
        summary: "Deny a label change, saying why (not your own, not with an API key)",
        params: LabelRequestParams,
        body: DenyLabelChange,
        response: { 200: LabelChangeRequest },
      },
    },
    (request) => deps.labels.deny(request.params.requestId, request.body.reason, contextOf(request)),
  );
}
