import type { ErrorEnvelope, GovernanceApproval, GovernanceDecision } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openSse, type SseConnection, type SseEvent } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { newId } from "../../src/kernel/ids.ts";
import { ApprovalRepository } from "../../src/modules/governance/approval.repository.ts";
import { clearRules } from "./governance-support.ts";

type Member = { id: string; token: string };

let fake: FakeUpstream;
let h: Harness;
let team: string;
let otherTeam: string;
let asker: Member;
let approver: Member;
let secondApprover: Member;
let outsider: Member;
let developer: Member;

const held = (timeout?: number) => ({
  name: "Production deploys need a second pair of eyes",
  tier: "before",
  scope: {},
  condition: { detectors: [{ type: "keywords", words: ["deploy to production"] }] },
  action: "require_approval",
  ...(timeout ? { approvalTimeoutSeconds: timeout } : {}),
});

beforeAll(async () => {
  fake = await startFakeUpstream({ text: "Deploying now.", chunks: 3 });
  const limits = { apiPerMinute: 100000, aiPerMinute: 100000 };
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: limits,
      operator: limits,
      developer: limits,
      viewer: limits,
    }),
  });
  const teamOf = async (name: string) =>
    (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body.id;
  team = await teamOf("Releases");
  otherTeam = await teamOf("Elsewhere");
  const member = async (teamId: string, role: string): Promise<Member> => {
    const user = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${user.id}`, {
      token: h.adminToken,
      body: { role },
    });
    return user;
  };
  asker = await member(team, "developer");
  developer = await member(team, "developer");
  approver = await member(team, "operator");
  secondApprover = await member(team, "operator");
  outsider = await member(otherTeam, "operator");
}, 60_000);
afterAll(async () => {
  await h.stop();
  await fake.close();
});
beforeEach(async () => {
  await clearRules(h);
});

async function addTeamRule(spec: Record<string, unknown>): Promise<void> {
  const res = await h.call("POST", "/api/v1/governance/rules", {
    token: approver.token,
    body: { teamId: team, spec },
  });
  expect(res.status).toBe(201);
}

/** Sends a message in a new team conversation of `who`; resolves once the answer waits. */
async function askHeld(who: Member, content: string) {
  const conversation = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token: who.token,
    body: { title: "Release", model: "fake/fake-model", teamId: team },
  });
  const sse: SseConnection = await openSse(`${h.url}/api/v1/conversations/${conversation.body.id}/events`, {
    authorization: `Bearer ${who.token}`,
  });
  const sent = await h.call<{ assistantMessage: { id: string } }>(
    "POST",
    `/api/v1/conversations/${conversation.body.id}/messages`,
    { token: who.token, body: { content } },
  );
  expect(sent.status).toBe(202);
  const messageId = sent.body.assistantMessage.id;
  const mine = (events: SseEvent[]) =>
    events.filter((e) => (e.data as { messageId?: string }).messageId === messageId);
  const waiting = (await sse.until((events) => mine(events).some((e) => e.event === "message.waiting"))).find(
    (e) => e.event === "message.waiting",
  )?.data as { approvalId: string; ruleName: string; expiresAt: string };
  const end = async () => {
    const events = await sse.until((all) =>
      mine(all).some((e) => ["message.completed", "message.failed"].includes(e.event)),
    );
    sse.close();
    return mine(events);
  };
  return { waiting, end, conversationId: conversation.body.id };
}

const decide = (who: Member, id: string, verb: "approve" | "deny", reason?: string) =>
  h.call<GovernanceApproval | ErrorEnvelope>("POST", `/api/v1/governance/approvals/${id}/${verb}`, {
    token: who.token,
    body: reason === undefined ? {} : { reason },
  });

describe("calls held for approval", () => {
  it("holds a chat answer, shows that it waits, and lets it go on once another member approves", async () => {
    await addTeamRule(held());
    const call = await askHeld(asker, "Please deploy to production tonight.");
    expect(call.waiting.ruleName).toBe("Production deploys need a second pair of eyes");
    expect(fake.requests.some((r) => JSON.stringify(r.body).includes("tonight"))).toBe(false);

    const queue = await h.call<{ items: GovernanceApproval[] }>(
      "GET",
      "/api/v1/governance/approvals?status=pending",
      {
        token: approver.token,
      },
    );
    const request = queue.body.items.find((a) => a.id === call.waiting.approvalId);
    expect(request).toMatchObject({
      status: "pending",
      teamId: team,
      requesterId: asker.id,
      surface: "chat",
    });
    // The approver reads the message, with what the rule found masked.
    expect(request?.preview).toBe("Please [redacted keyword] tonight.");

    const approved = await decide(approver, call.waiting.approvalId, "approve", "Change ticket 42");
    expect(approved.status).toBe(200);
    const events = await call.end();
    expect(events.map((e) => e.event)).toContain("message.completed");
    expect(
      events
        .filter((e) => e.event === "message.delta")
        .map((e) => (e.data as { text: string }).text)
        .join(""),
    ).toBe("Deploying now.");

    const decisions = await h.call<{ items: GovernanceDecision[] }>(
      "GET",
      `/api/v1/governance/decisions?teamId=${team}`,
      { token: approver.token },
    );
    const actions = decisions.body.items
      .filter((d) => d.requestId !== null || d.action === "approve")
      .map((d) => [d.action, d.actorId]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ["hold", asker.id],
        ["approve", approver.id],
      ]),
    );
  });

  it("masks in the approver's preview what a redact rule of the call found", async () => {
    await addTeamRule(held());
    await addTeamRule({
      name: "Addresses stay here",
      tier: "before",
      scope: {},
      condition: { detectors: [{ type: "pii", kinds: ["email"] }] },
      action: "redact",
    });
    const call = await askHeld(asker, "deploy to production and tell ann.lee@example.org");
    const request = await h.call<GovernanceApproval>(
      "GET",
      `/api/v1/governance/approvals/${call.waiting.approvalId}`,
      { token: approver.token },
    );
    expect(request.body.preview).toBe("[redacted keyword] and tell [redacted email]");
    expect((await decide(approver, call.waiting.approvalId, "deny", "no")).status).toBe(200);
    await call.end();
  });

  it("fails the answer with the approver's reason when denied", async () => {
    await addTeamRule(held());
    const call = await askHeld(asker, "deploy to production now");
    const denied = await decide(approver, call.waiting.approvalId, "deny", "Freeze until Monday");
    expect(denied.status).toBe(200);
    const failed = (await call.end()).find((e) => e.event === "message.failed")?.data as {
      error: { code: string; message: string };
    };
    expect(failed.error.code).toBe("governance.approval_denied");
    expect(failed.error.message).toContain("Freeze until Monday");
  });

  it("denies a call nobody decided in time", async () => {
    await addTeamRule(held(1));
    const call = await askHeld(asker, "deploy to production now");
    const failed = (await call.end()).find((e) => e.event === "message.failed")?.data as {
      error: { code: string; message: string };
    };
    expect(failed.error).toMatchObject({ code: "governance.approval_denied" });
    expect(failed.error.message).toContain("not decided in time");
    const after = await h.call<GovernanceApproval>(
      "GET",
      `/api/v1/governance/approvals/${call.waiting.approvalId}`,
      {
        token: approver.token,
      },
    );
    expect(after.body.status).toBe("expired");
    expect((await decide(approver, call.waiting.approvalId, "approve")).status).toBe(409);
  });

  it("never lets askers approve their own call, nor members without the permission, nor other teams", async () => {
    await addTeamRule(held());
    const call = await askHeld(approver, "deploy to production please");
    const own = await decide(approver, call.waiting.approvalId, "approve");
    expect([own.status, (own.body as ErrorEnvelope).error.code]).toEqual([403, "auth.forbidden"]);
    expect((await decide(developer, call.waiting.approvalId, "approve")).status).toBe(403);
    const foreign = await decide(outsider, call.waiting.approvalId, "approve");
    expect([foreign.status, (foreign.body as ErrorEnvelope).error.code]).toEqual([
      404,
      "governance.approval_not_found",
    ]);
    // Those who may decide read a request (its asker too, here an operator); a developer does not.
    expect(
      (
        await h.call("GET", `/api/v1/governance/approvals/${call.waiting.approvalId}`, {
          token: approver.token,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await h.call("GET", `/api/v1/governance/approvals/${call.waiting.approvalId}`, {
          token: developer.token,
        })
      ).status,
    ).toBe(403);
    expect((await decide(secondApprover, call.waiting.approvalId, "deny", "no")).status).toBe(200);
    await call.end();
  });

  it("decides a request exactly once under 20 concurrent decisions", async () => {
    await addTeamRule(held());
    const call = await askHeld(asker, "deploy to production at once");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        decide(
          i % 2 ? approver : secondApprover,
          call.waiting.approvalId,
          i % 3 ? "approve" : "deny",
          `reason ${i}`,
        ),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    await call.end();
    const decisions = await h.call<{ items: GovernanceDecision[] }>(
      "GET",
      `/api/v1/governance/decisions?teamId=${team}`,
      {
        token: approver.token,
      },
    );
    const decided = decisions.body.items.filter(
      (d) => ["approve", "deny"].includes(d.action) && d.reason.startsWith("reason "),
    );
    expect(decided).toHaveLength(1);
  });

  it("holds a /v1 call too, and answers it once approved", async () => {
    await addTeamRule(held());
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: asker.token,
      body: { name: "ci", permissions: ["ai:use"], teamId: team },
    });
    expect(key.status).toBe(201);
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
    const answer = client.chat.completions.create({
      model: "fake/fake-model",
      messages: [{ role: "user", content: "deploy to production from CI" }],
    });
    const pending = await (async () => {
      for (;;) {
        const queue = await h.call<{ items: GovernanceApproval[] }>(
          "GET",
          "/api/v1/governance/approvals?status=pending",
          {
            token: approver.token,
          },
        );
        const found = queue.body.items.find((a) => a.surface === "gateway");
        if (found) return found;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    expect((await decide(approver, pending.id, "approve")).status).toBe(200);
    expect((await answer).choices[0]?.message.content).toBe("Deploying now.");
  });

  it("shows a team-bound API key only its team's requests, its owner's own elsewhere included", async () => {
    const both = await h.user("viewer");
    for (const teamId of [team, otherTeam])
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${both.id}`, {
        token: h.adminToken,
        body: { role: "operator" },
      });
    // Requests as pods file them: in the team, in the other team, personal; some asked by `both`.
    const repository = new ApprovalRepository(h.parley.platform.database);
    const file = async (teamId: string | null, requesterId: string) => {
      const now = Date.now();
      const id = newId();
      await repository.insert(
        {
          id,
          status: "pending",
          created_at: now,
          expires_at: now + 600_000,
          rule_id: newId(),
          rule_version: 1,
          rule_name: "Second pair of eyes",
          team_id: teamId,
          project_id: null,
          surface: "gateway",
          model: "fake/fake-model",
          requester_id: requesterId,
          requester_email: null,
          api_key_id: null,
          request_id: null,
          reason: "held",
          matches: "[]",
          preview: "deploy to production",
          decided_by: null,
          decided_at: null,
          decision_reason: null,
        },
        [],
      );
      return id;
    };
    const teamAsked = await file(team, asker.id);
    const otherAsked = await file(otherTeam, outsider.id);
    const personal = await file(null, both.id);
    const ownElsewhere = await file(otherTeam, both.id);
    const ownHere = await file(team, both.id);
    const mine = new Set([teamAsked, otherAsked, personal, ownElsewhere, ownHere]);
    const keyOf = async (permissions: string[]) => {
      const made = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: both.token,
        body: { name: "k", permissions, teamId: team },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      return made.body.key;
    };
    const listed = async (token: string, query = "") => {
      const res = await h.call<{ items: GovernanceApproval[] }>(
        "GET",
        `/api/v1/governance/approvals?limit=100${query}`,
        { token },
      );
      return res.body.items.map((a) => a.id).filter((id) => mine.has(id));
    };

    // Signed in: both teams' requests, and the personal one they asked.
    expect((await listed(both.token)).sort()).toEqual([...mine].sort());
    // Through a key bound to the team that may approve there: the team's requests only.
    const approverKey = await keyOf(["governance:read", "governance:approve"]);
    expect((await listed(approverKey)).sort()).toEqual([teamAsked, ownHere].sort());
    expect(
      (await h.call("GET", `/api/v1/governance/approvals?teamId=${otherTeam}`, { token: approverKey }))
        .status,
    ).toBe(404);
    // Through one that may not approve: its owner's own requests in the team only.
    expect(await listed(await keyOf(["governance:read"]))).toEqual([ownHere]);
  });
});
