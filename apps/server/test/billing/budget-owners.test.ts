import type { Budget, ErrorEnvelope, ItemList } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { publish, widgetTeam } from "../widgets/widget-support.ts";

/**
 * Team admins budget their team's things (issue 18 point 6, ADR 0037): a widget, an assistant
 * or a team-bound API key of team T takes a budget from T's admins, which then belongs to T;
 * another team's admins learn nothing of it (404), and global admins' budgets stay theirs.
 */
let fake: FakeUpstream;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 2 });
  h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

const create = (token: string, scope: { kind: string; id: string }, period = "month") =>
  h.call<Budget & ErrorEnvelope>("POST", "/api/v1/billing/budgets", {
    token,
    body: { scope, period, limitMicros: 5000 },
  });

describe("budgets on a team's widgets, bots, assistants and API keys", () => {
  it("are set by the team's admins, belong to the team, and stay hidden from other teams", async () => {
    const t = await widgetTeam(h, "Owner team");
    const u = await widgetTeam(h, "Other team");
    const adminT = await t.member("admin");
    const adminU = await u.member("admin");
    const developerT = await t.member("developer");
    const widget = await publish(h, t.operator.token, t);
    const key = await h.call<{ id: string }>("POST", "/api/v1/api-keys", {
      token: developerT.token,
      body: { name: "team key", permissions: ["ai:use"], teamId: t.teamId },
    });
    expect(key.status).toBe(201);
    const scopes = [
      { kind: "widget", id: widget.id },
      { kind: "assistant", id: t.assistantId },
      { kind: "api_key", id: key.body.id },
    ];
    for (const scope of scopes) {
      const made = await create(adminT.token, scope);
      expect([made.status, made.body.teamId, made.body.scope]).toEqual([201, t.teamId, scope]);
      // Another team's admin: as if there were no such thing.
      const foreign = await create(adminU.token, scope, "day");
      expect([foreign.status, foreign.body.error.code]).toEqual([404, "budget.scope_not_found"]);
      expect(
        (await h.call("GET", `/api/v1/billing/budgets/${made.body.id}`, { token: adminU.token })).status,
      ).toBe(404);
      // A member without budgets:manage anywhere is refused at the door.
      const member = await create(developerT.token, scope, "day");
      expect([member.status, member.body.error.code]).toEqual([403, "auth.forbidden"]);
      const changed = await h.call<Budget>("PATCH", `/api/v1/billing/budgets/${made.body.id}`, {
        token: adminT.token,
        body: { limitMicros: 6000 },
      });
      expect([changed.status, changed.body.limitMicros]).toEqual([200, 6000]);
    }
    const listed = await h.call<ItemList<Budget>>("GET", `/api/v1/billing/budgets?teamId=${t.teamId}`, {
      token: adminT.token,
    });
    expect(listed.body.items.map((b) => b.scope.kind).sort()).toEqual(["api_key", "assistant", "widget"]);
    // The team's admins may cap each visitor of their widget too.
    const perVisitor = await h.call<Budget>("POST", "/api/v1/billing/budgets", {
      token: adminT.token,
      body: { scope: { kind: "widget", id: widget.id }, period: "month", limitMicros: 100, per: "visitor" },
    });
    expect([perVisitor.status, perVisitor.body.per, perVisitor.body.subjects]).toEqual([201, "visitor", 0]);
  });

  it("leaves global admins' budgets on a team's widget to global admins, and refuses unknown scopes", async () => {
    const t = await widgetTeam(h, "Global capped");
    const adminT = await t.member("admin");
    const widget = await publish(h, t.operator.token, t);
    const global = await create(h.adminToken, { kind: "widget", id: widget.id }, "week");
    expect([global.status, global.body.teamId]).toEqual([201, null]);
    expect(
      (await h.call("DELETE", `/api/v1/billing/budgets/${global.body.id}`, { token: adminT.token })).status,
    ).toBe(404);
    // The same scope and period again, now by the team's admin: one budget per scope and period.
    const again = await create(adminT.token, { kind: "widget", id: widget.id }, "week");
    expect([again.status, again.body.error.code]).toEqual([409, "budget.duplicate"]);
    // A typo in an id is said, to global admins too, rather than capping nothing.
    for (const kind of ["widget", "bot", "assistant", "api_key"]) {
      const unknown = await create(h.adminToken, { kind, id: "no-such-thing" });
      expect([unknown.status, unknown.body.error.code]).toEqual([404, "budget.scope_not_found"]);
    }
    // A personal assistant belongs to no team: only global admins budget it.
    const personal = await h.call<{ id: string }>("POST", "/api/v1/assistants", {
      token: h.adminToken,
      body: { name: "Mine", instructions: "Be brief." },
    });
    expect(personal.status).toBe(201);
    const mine = await create(adminT.token, { kind: "assistant", id: personal.body.id });
    expect([mine.status, mine.body.error.code]).toEqual([404, "budget.scope_not_found"]);
  });
});
