import {
  ApprovalListQuery,
  ApproveRequest,
  DenyRequest,
  GovernanceApproval,
  CreateRuleRequest,
  DecisionListQuery,
  DecisionSummary,
  DecisionSummaryQuery,
  GovernanceDecision,
  DryRunRequest,
  DryRunResult,
  GovernanceRule,
  GovernanceRuleVersion,
  IdParams,
  InstallRecommendedRequest,
  RuleListQuery,
  RuleVersionParams,
  SetRuleEnabledRequest,
  UpdateRuleRequest,
  pageOf,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { ApprovalDesk } from "./approval-desk.ts";
import type { DecisionLog } from "./decision-log.ts";
import type { RuleService } from "./governance.service.ts";

/** Rules: list, create, read, new version, versions, enable or disable, delete; the dry-run. */
export function registerGovernanceRoutes(
  app: TypedApp,
  deps: { rules: RuleService; decisions: DecisionLog; approvals: ApprovalDesk },
): void {
  const tags = ["governance"];
  const base = "/api/v1/governance/rules";
  app.get(
    base,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "The rules you see: organisation-wide and your teams' (or one team's), by name",
        querystring: RuleListQuery,
        response: { 200: pageOf(GovernanceRule) },
      },
    },
    (request) => deps.rules.list(request.query, contextOf(request)),
  );
  app.post(
    base,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary: "Create a rule in a team, or organisation-wide without teamId",
        body: CreateRuleRequest,
        response: { 201: GovernanceRule },
      },
    },
    async (request, reply) => reply.code(201).send(await deps.rules.create(request.body, contextOf(request))),
  );
  app.get(
    `${base}/:id`,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "A rule with its current version",
        params: IdParams,
        response: { 200: GovernanceRule },
      },
    },
    (request) => deps.rules.get(request.params.id, contextOf(request)),
  );
  app.put(
    `${base}/:id`,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary: "Save a new version of a rule (409 when expectedVersion is not the current one)",
        params: IdParams,
        body: UpdateRuleRequest,
        response: { 200: GovernanceRule },
      },
    },
    (request) => deps.rules.update(request.params.id, request.body, contextOf(request)),
  );
  app.patch(
    `${base}/:id`,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary: "Enable or disable a rule",
        params: IdParams,
        body: SetRuleEnabledRequest,
        response: { 200: GovernanceRule },
      },
    },
    (request) => deps.rules.setEnabled(request.params.id, request.body.enabled, contextOf(request)),
  );
  app.delete(
    `${base}/:id`,
    {
      config: { permission: "governance:manage" },
      schema: { tags, summary: "Delete a rule and its versions", params: IdParams },
    },
    async (request, reply) => {
      await deps.rules.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.get(
    `${base}/:id/versions`,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "A rule's versions, newest first",
        params: IdParams,
        response: { 200: z.object({ items: z.array(GovernanceRuleVersion) }) },
      },
    },
    (request) => deps.rules.versions(request.params.id, contextOf(request)),
  );
  app.get(
    `${base}/:id/versions/:version`,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "One version of a rule",
        params: RuleVersionParams,
        response: { 200: GovernanceRuleVersion },
      },
    },
    (request) => deps.rules.version(request.params.id, request.params.version, contextOf(request)),
  );
  app.post(
    `${base}/recommended`,
    {
      config: { permission: "governance:manage" },
      schema: {
        tags,
        summary:
          "Create the recommended rules (no secrets out or back, personal data redacted) in a team, or organisation-wide; skips names already there",
        body: InstallRecommendedRequest,
        response: { 201: z.object({ items: z.array(GovernanceRule) }) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await deps.rules.installRecommended(request.body.teamId ?? null, contextOf(request))),
  );
  app.post(
    "/api/v1/governance/dry-run",
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary:
          "What the rules would do to a sample text: matches as offsets and fingerprints, and the redacted text",
        body: DryRunRequest,
        response: { 200: DryRunResult },
      },
    },
    (request) => deps.rules.dryRun(request.body, contextOf(request)),
  );
  app.get(
    "/api/v1/governance/decisions",
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary:
          "What rules did to AI calls, newest first: your teams' where you manage governance, your own calls everywhere",
        querystring: DecisionListQuery,
        response: { 200: pageOf(GovernanceDecision) },
      },
    },
    (request) => deps.decisions.list(request.query, contextOf(request)),
  );
  app.get(
    "/api/v1/governance/decisions/summary",
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary: "Decisions counted by day and action, by rule and by team (the last 30 days by default)",
        querystring: DecisionSummaryQuery,
        response: { 200: DecisionSummary },
      },
    },
    (request) => deps.decisions.summary(request.query, contextOf(request)),
  );
  const approvals = "/api/v1/governance/approvals";
  app.get(
    approvals,
    {
      config: { permission: "governance:read" },
      schema: {
        tags,
        summary:
          "Calls held for approval, newest first: where you may approve them, and your own (filter status=pending for the queue)",
        querystring: ApprovalListQuery,
        response: { 200: pageOf(GovernanceApproval) },
      },
    },
    (request) => deps.approvals.list(request.query, contextOf(request)),
  );
  app.get(
    `${approvals}/:id`,
    {
      config: { permission: "governance:approve" },
      schema: {
        tags,
        summary: "One approval request, for those who may decide it",
        params: IdParams,
        response: { 200: GovernanceApproval },
      },
    },
    (request) => deps.approvals.get(request.params.id, contextOf(request)),
  );
  app.post(
    `${approvals}/:id/approve`,
    {
      config: { permission: "governance:approve" },
      schema: {
        tags,
        summary: "Let a held call go on (not your own); 409 once decided or expired",
        params: IdParams,
        body: ApproveRequest,
        response: { 200: GovernanceApproval },
      },
    },
    (request) => deps.approvals.approve(request.params.id, request.body, contextOf(request)),
  );
  app.post(
    `${approvals}/:id/deny`,
    {
      config: { permission: "governance:approve" },
      schema: {
        tags,
        summary: "Refuse a held call, with a reason the asker sees; 409 once decided or expired",
        params: IdParams,
        body: DenyRequest,
        response: { 200: GovernanceApproval },
      },
    },
    (request) => deps.approvals.deny(request.params.id, request.body, contextOf(request)),
  );
}
