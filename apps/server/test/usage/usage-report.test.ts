import type { UsageReport } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { ADMIN, fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

describe("usage reports people read", () => {
  let fake: FakeUpstream;
  let h: Harness;
  let team: string;
  beforeAll(async () => {
    fake = await startFakeUpstream({ chunks: 2 });
    h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) });
    team = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name: "Billing" },
      })
    ).body.id;
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await fake.close();
  });
  const chat = (token: string) =>
    h.call("POST", "/v1/chat/completions", {
      token,
      body: { model: "fake/fake-model", messages: [{ role: "user", content: "hi" }] },
    });
  const report = async (query: string) =>
    (await h.call<UsageReport>("GET", `/api/v1/usage?${query}`, { token: h.adminToken })).body;

  it("names users and teams, and tells calls without a price from free ones", async () => {
    expect((await chat(h.adminToken)).status).toBe(200);
    const byUser = await report("groupBy=user");
    expect(byUser.rows).toEqual([
      expect.objectContaining({
        label: expect.stringContaining(`<${ADMIN.email}>`) as string,
        requests: 1,
        cost: 0,
        unpricedRequests: 1,
      }),
    ]);
    // Priced from now on: the next call costs something and counts as priced.
    const priced = await h.call("PATCH", "/api/v1/models/fake/fake-model", {
      token: h.adminToken,
      body: { inputPricePerMTok: 1000, outputPricePerMTok: 2000 },
    });
    expect(priced.status).toBe(200);
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: h.adminToken,
      body: { name: "billing", permissions: ["ai:use"], teamId: team },
    });
    expect((await chat(key.body.key)).status).toBe(200);
    const byTeam = await report("groupBy=team");
    const teams = byTeam.rows.map((r) => [r.label, r.requests, r.unpricedRequests, r.cost > 0]);
    expect(teams.sort()).toEqual([
      ["Billing", 1, 0, true],
      ["personal (no team)", 1, 1, false],
    ]);
    expect(byTeam.totals).toMatchObject({ requests: 2, unpricedRequests: 1 });
    // Any range: one that ended before the calls finds none.
    expect((await report("groupBy=day&from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z")).rows).toEqual([]);
  });
});
