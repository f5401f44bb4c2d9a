import type {
  CodeAnalysis,
  DraftGuideResponse,
  ErrorEnvelope,
  EstimateReport,
  Guide,
  GuideDraft,
  UsageReport,
} from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";

const DRAFT: GuideDraft = {
  title: "CSV export of invoices",
  description: "Let accountants download invoices as CSV.",
  sections: [
    {
      heading: "Backend",
      tasks: [
        { text: "Add the export endpoint", estimateMinutes: 90, lowMinutes: 60, highMinutes: 150 },
        { text: "Stream rows\nas CSV", estimateMinutes: 120, lowMinutes: 180, highMinutes: 90 },
      ],
    },
    {
      heading: "Frontend",
      tasks: [{ text: "Download button", estimateMinutes: 30, lowMinutes: 20, highMinutes: 45 }],
    },
  ],
};

describe("guides drafted and estimated by the AI", () => {
  let fake: FakeUpstream;
  let h: Harness;
  let team: string;
  let dev: Awaited<ReturnType<Harness["user"]>>;

  beforeAll(async () => {
    fake = await startFakeUpstream({ reply: "plain", text: JSON.stringify(DRAFT) });
    h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) });
    team = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name: "Guides AI" },
      })
    ).body.id;
    dev = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${team}/members/${dev.id}`, {
      token: h.adminToken,
      body: { role: "developer" },
    });
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await fake.close();
  });
  const errorOf = (res: { status: number; body: unknown }) => [
    res.status,
    (res.body as ErrorEnvelope).error.code,
  ];

  it("drafts sections of estimated tasks through the pipeline, asking for the schema, and creates the guide", async () => {
    const before = fake.requests.length;
    const res = await h.call<DraftGuideResponse>("POST", "/api/v1/guides/draft", {
      token: dev.token,
      body: {
        teamId: team,
        description: "Accountants want invoices as CSV",
        code: "export function invoices() {}",
        create: true,
      },
    });
    expect(res.status).toBe(200);
    const sent = fake.requests.at(-1)?.body as {
      response_format?: { type: string; json_schema?: { schema?: unknown } };
      messages: { content: unknown }[];
    };
    expect(fake.requests.length).toBe(before + 1);
    expect(sent.response_format?.type).toBe("json_schema");
    expect(sent.response_format?.json_schema?.schema).toMatchObject({
      type: "object",
      required: ["title", "description", "sections"],
    });
    expect(JSON.stringify(sent.messages)).toContain("export function invoices()");
    expect(res.body.markdown).toBe(
      "# CSV export of invoices\n\nLet accountants download invoices as CSV.\n\n## Backend\n- [ ] Add the export endpoint\n- [ ] Stream rows as CSV\n\n## Frontend\n- [ ] Download button\n",
    );
    const guide = res.body.guide;
    expect(guide?.tasks.map((t) => [t.text, t.estimate])).toEqual([
      ["Add the export endpoint", { minutes: 90, low: 60, high: 150 }],
      // A range the model gave upside down is put in order.
      ["Stream rows as CSV", { minutes: 120, low: 90, high: 180 }],
      ["Download button", { minutes: 30, low: 20, high: 45 }],
    ]);
    // Metered to the team like every AI call.
    const usage = await h.call<UsageReport>("GET", `/api/v1/usage?groupBy=team&teamId=${team}`, {
      token: h.adminToken,
    });
    expect(usage.body.rows.find((r) => r.key === team)?.requests).toBeGreaterThanOrEqual(1);
  });

  it("asks again once when the answer does not fit the schema, then gives up with guide.draft_invalid", async () => {
    let calls = 0;
    fake.configure({
      textFor: () => (++calls === 1 ? "Sure! Here is a plan: step 1, step 2." : JSON.stringify(DRAFT)),
    });
    const repaired = await h.call<DraftGuideResponse>("POST", "/api/v1/guides/draft", {
      token: dev.token,
      body: { teamId: team, description: "Plan it" },
    });
    expect(repaired.status).toBe(200);
    expect(calls).toBe(2);
    expect(JSON.stringify(fake.requests.at(-1)?.body)).toContain("does not match the schema");
    expect(repaired.body.guide).toBeNull();

    fake.configure({ textFor: () => '{"title": ""}' });
    expect(
      errorOf(
        await h.call("POST", "/api/v1/guides/draft", {
          token: dev.token,
          body: { teamId: team, description: "Plan it" },
        }),
      ),
    ).toEqual([502, "guide.draft_invalid"]);
    fake.configure({ textFor: undefined });
  });

  it("is governed: a rule that blocks a word refuses the draft before any provider call", async () => {
    const rule = await h.call<{ id: string }>("POST", "/api/v1/governance/rules", {
      token: h.adminToken,
      body: {
        teamId: team,
        spec: {
          name: "No project codenames",
          tier: "before",
          scope: {},
          condition: { detectors: [{ type: "keywords", words: ["bluebird"] }] },
          action: "block",
        },
      },
    });
    expect(rule.status).toBe(201);
    const before = fake.requests.length;
    expect(
      errorOf(
        await h.call("POST", "/api/v1/guides/draft", {
          token: dev.token,
          body: { teamId: team, description: "Plan the Bluebird launch" },
        }),
      ),
    ).toEqual([403, "governance.blocked"]);
    expect(fake.requests.length).toBe(before);
    await h.call("DELETE", `/api/v1/governance/rules/${rule.body.id}`, { token: h.adminToken });
  });

  it("suggests guide sections for a code snippet", async () => {
    const analysis: CodeAnalysis = {
      summary: "A parser without tests.",
      sections: [
        { heading: "Tests", why: "Nothing covers it", tasks: ["Cover the happy path", "Cover bad input"] },
      ],
    };
    fake.configure({ text: JSON.stringify(analysis) });
    const res = await h.call<CodeAnalysis & { model: string }>("POST", "/api/v1/guides/analyze", {
      token: dev.token,
      body: { teamId: team, code: "function parse(s) { return JSON.parse(s) }", language: "js" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...analysis, model: "fake/fake-model" });
    const viewer = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${team}/members/${viewer.id}`, {
      token: h.adminToken,
      body: { role: "viewer" },
    });
    expect(
      errorOf(
        await h.call("POST", "/api/v1/guides/analyze", {
          token: viewer.token,
          body: { teamId: team, code: "x" },
        }),
      ),
    ).toEqual([403, "auth.forbidden"]);
  });

  it("estimates open tasks, learns from how long finished tasks took, and reports the error", async () => {
    const guide = (
      await h.call<Guide>("POST", "/api/v1/guides", {
        token: dev.token,
        body: { teamId: team, title: "Calibrate", content: "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d" },
      })
    ).body;
    fake.configure({
      text: JSON.stringify({
        estimates: guide.tasks.map((_, i) => ({ task: i + 1, minutes: 10, low: 5, high: 20 })),
      }),
    });
    const estimated = await h.call<Guide>("POST", `/api/v1/guides/${guide.id}/estimate`, {
      token: dev.token,
      body: {},
    });
    expect(estimated.status).toBe(200);
    expect(estimated.body.tasks.map((t) => t.estimate?.minutes)).toEqual([10, 10, 10, 10]);
    expect(estimated.body.tasks[0]?.calibratedEstimate).toBeNull();

    // Three tasks take twice their estimate: started 20 minutes before they are ticked.
    const db = allTables(h.parley.platform.database);
    for (const task of guide.tasks.slice(0, 3)) {
      await h.call("PATCH", `/api/v1/guides/${guide.id}/tasks/${task.id}`, {
        token: dev.token,
        body: { status: "in_progress" },
      });
      await db
        .updateTable("guide_tasks")
        .set({ started_at: Date.now() - 20 * 60_000 })
        .where("id", "=", task.id)
        .execute();
      await h.call("PATCH", `/api/v1/guides/${guide.id}/tasks/${task.id}`, {
        token: dev.token,
        body: { done: true },
      });
    }
    const now = (await h.call<Guide>("GET", `/api/v1/guides/${guide.id}`, { token: dev.token })).body;
    expect(now.tasks[0]?.actualMinutes).toBeCloseTo(20, 0);
    expect(now.tasks[3]?.calibratedEstimate).toEqual({ minutes: 20, low: 10, high: 40 });
    const report = await h.call<EstimateReport>("GET", `/api/v1/guides/estimate-report?teamId=${team}`, {
      token: dev.token,
    });
    expect(report.body).toMatchObject({ factor: 2, samples: 3 });
    expect(report.body.guides.find((g) => g.guideId === guide.id)).toMatchObject({
      estimatedMinutes: 40,
      measuredTasks: 3,
      meanAbsolutePercentError: 0.5,
    });
    // Only tasks without an estimate are estimated again, unless asked otherwise.
    const count = fake.requests.length;
    await h.call("POST", `/api/v1/guides/${guide.id}/estimate`, { token: dev.token, body: {} });
    expect(fake.requests.length).toBe(count);
  });
});
