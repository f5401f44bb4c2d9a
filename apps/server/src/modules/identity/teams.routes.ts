import {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  CreateInvitationRequest,
  CreateTeamRequest,
  IdParams,
  Invitation,
  InvitationCreated,
  InvitationIdParams,
  InvitationInfo,
  InvitationParams,
  ListQuery,
  Member,
  MemberParams,
  SetMemberRequest,
  Team,
  UpdateTeamRequest,
  pageOf,
} from "@parley/contracts";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { AuthService } from "./auth.service.ts";
import type { InvitationService } from "./invitation.service.ts";
import { contextOf } from "../../http/request-context.ts";
import { sendSession } from "./session-cookies.ts";
import type { TeamService } from "./team.service.ts";
import { toUser } from "./user-view.ts";

/** Teams, memberships and invitation links. */
export function registerTeamRoutes(
  app: TypedApp,
  deps: { teams: TeamService; invitations: InvitationService; auth: AuthService },
): void {
  const tags = ["teams"];
  app.get(
    "/api/v1/teams",
    {
      config: { permission: "teams:read" },
      schema: {
        tags,
        summary: "Teams you belong to (all, for admins)",
        querystring: ListQuery,
        response: { 200: pageOf(Team) },
      },
    },
    (request) => deps.teams.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/teams",
    {
      config: { permission: "teams:manage" },
      schema: {
        tags,
        summary: "Create a team (you become its admin)",
        body: CreateTeamRequest,
        response: { 201: Team },
      },
    },
    async (request, reply) => reply.code(201).send(await deps.teams.create(request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/teams/:id",
    {
      config: { permission: "teams:read" },
      schema: { tags, summary: "One team", params: IdParams, response: { 200: Team } },
    },
    (request) => deps.teams.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/teams/:id",
    {
      config: { permission: "teams:manage" },
      schema: {
        tags,
        summary: "Rename a team",
        params: IdParams,
        body: UpdateTeamRequest,
        response: { 200: Team },
      },
    },
    (request) => deps.teams.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/teams/:id",
    {
      config: { permission: "teams:manage" },
      schema: {
        tags,
        summary: "Delete a team and its memberships",
        params: IdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.teams.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.get(
    "/api/v1/teams/:id/members",
    {
      config: { permission: "teams:read" },
      schema: {
        tags,
        summary: "Members of a team",
        params: IdParams,
        response: { 200: z.object({ items: z.array(Member) }) },
      },
    },
    async (request) => ({ items: await deps.teams.members(request.params.id, contextOf(request)) }),
  );
  app.put(
    "/api/v1/teams/:id/members/:userId",
    {
      config: { permission: "teams:manage" },
      schema: {
        tags,
        summary: "Add a member or change their role",
        params: MemberParams,
        body: SetMemberRequest,
        response: { 200: Member },
      },
    },
    (request) =>
      deps.teams.setMember(request.params.id, request.params.userId, request.body.role, contextOf(request)),
  );
  app.delete(
    "/api/v1/teams/:id/members/:userId",
    {
      config: { permission: "teams:manage" },
      schema: { tags, summary: "Remove a member", params: MemberParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await deps.teams.removeMember(request.params.id, request.params.userId, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.post(
    "/api/v1/teams/:id/invitations",
    {
      config: { permission: "teams:manage" },
      schema: {
        tags,
        summary: "Create an invitation link (shown once)",
        params: IdParams,
        body: CreateInvitationRequest,
        response: { 201: InvitationCreated },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await deps.invitations.create(request.params.id, request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/teams/:id/invitations",
    {
      config: { permission: "teams:manage" },
      schema: {
        tags,
        summary: "Open invitations of a team (never their links)",
        params: IdParams,
        response: { 200: z.object({ items: z.array(Invitation) }) },
      },
    },
    async (request) => ({ items: await deps.invitations.list(request.params.id, contextOf(request)) }),
  );
  app.delete(
    "/api/v1/teams/:id/invitations/:invitationId",
    {
      config: { permission: "teams:manage" },
      schema: {
        tags,
        summary: "Revoke an open invitation: its link stops working",
        params: InvitationIdParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deps.invitations.revoke(request.params.id, request.params.invitationId, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.get(
    "/api/v1/invitations/:token",
    {
      config: { permission: "public" },
      schema: {
        tags,
        summary: "What an invitation link offers",
        params: InvitationParams,
        response: { 200: InvitationInfo },
      },
    },
    (request) => deps.invitations.info(request.params.token),
  );
  app.post(
    "/api/v1/invitations/:token/accept",
    {
      config: { permission: "public" },
      schema: {
        tags,
        summary: "Join the team: signed in, or by creating an account",
        params: InvitationParams,
        description: "Signed in: no body (or `{}`). Signed out: email, name and password of a new account.",
        body: AcceptInvitationRequest.nullish(),
        response: { 200: AcceptInvitationResponse },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const { user, teamId } = await deps.invitations.accept(request.params.token, request.body ?? {}, ctx);
      const session = ctx.principal
        ? null
        : sendSession(request, reply, await deps.auth.startSession(user, ctx));
      return { user: toUser(user), teamId, session };
    },
  );
}
