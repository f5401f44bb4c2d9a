import type { ErrorEnvelope, Guide, GuideEvent, GuideSummary, GuideTemplate, Page } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSse } from "../chat/sse-client.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

const GUIDE = `# Invoice export

Exports invoices as CSV.

## Backend
- [ ] Add the export endpoint
- [ ] Stream rows as CSV
  - [ ] Escape quotes

\`\`\`md
- [ ] not a task: inside a code fence
\`\`\`

> - [ ] not a task: inside a quote

## Frontend
- [ ] Download button
`;

describe.each(["sqlite", "postgres"] as const)("guides on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;
  let dev: Awaited<ReturnType<Harness["user"]>>;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "guides-test-secret-0123456789abcdef" } : {},
    );
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    teamA = await team("Platform");
    teamB = await team("Payments");
    dev = await memberOf(teamA, "developer");
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  async function memberOf(teamId: string, role: "viewer" | "developer" | "admin") {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }
  const errorOf = (res: { status: number; body: unknown }) => [
    res.status,
    (res.body as ErrorEnvelope).error.code,
  ];
  const create = async (body: Record<string, unknown>, token = dev.token) =>
    h.call<Guide>("POST", "/api/v1/guides", { token, body: { teamId: teamA, ...body } });
  const tick = (guide: Guide, taskId: string, body: Record<string, unknown>, token = dev.token) =>
    h.call<Guide>("PATCH", `/api/v1/guides/${guide.id}/tasks/${taskId}`, { token, body });

  it("creates a guide whose tasks are the checkboxes of its markdown, not boxes in code or quotes", async () => {
    const res = await create({
      title: "Invoice export",
      content: GUIDE,
      tags: ["billing", "Billing", "csv"],
    });
    expect(res.status).toBe(201);
    const guide = res.body;
    expect(guide.tasks.map((t) => [t.text, t.depth, t.section.at(-1)])).toEqual([
      ["Add the export endpoint", 0, "Backend"],
      ["Stream rows as CSV", 0, "Backend"],
      ["Escape quotes", 1, "Backend"],
      ["Download button", 0, "Frontend"],
    ]);
    expect(guide.tasks[2]?.parentId).toBe(guide.tasks[1]?.id);
    expect(guide).toMatchObject({
      status: "not_started",
      statusSource: "tasks",
      version: 1,
      progress: { done: 0, total: 4 },
      ownerId: dev.id,
      tags: ["billing", "csv"],
    });
    expect(guide.sections).toEqual([
      { section: ["Invoice export", "Backend"], done: 0, total: 3 },
      { section: ["Invoice export", "Frontend"], done: 0, total: 1 },
    ]);
  });

  it("stores the tasks' estimates given with a new guide, in task order, and refuses more than there are tasks", async () => {
    const res = await create({
      title: "Estimated",
      content: "- [ ] one\n- [ ] two\n- [ ] three",
      estimates: [{ minutes: 30, low: 20, high: 45 }, null, { minutes: 5, low: 5, high: 10 }],
    });
    expect(res.status).toBe(201);
    expect(res.body.version).toBe(1);
    expect(res.body.tasks.map((t) => t.estimate?.minutes ?? null)).toEqual([30, null, 5]);
    const tooMany = await create({ title: "T", content: "- [ ] one", estimates: [null, null] });
    expect(errorOf(tooMany)).toEqual([400, "validation.failed"]);
    expect(
      errorOf(
        await create({ title: "T", content: "- [ ] one", estimates: [{ minutes: 5, low: 9, high: 10 }] }),
      ),
    ).toEqual([400, "validation.failed"]);
  });

  it("ticks a task by rewriting exactly its checkbox, derives the status, and records who and when", async () => {
    const guide = (await create({ title: "Tick", content: GUIDE })).body;
    const task = guide.tasks[1];
    if (!task) throw new Error("no task");
    const started = await tick(guide, task.id, { status: "in_progress" });
    expect(started.body.status).toBe("in_progress");
    expect(started.body.content).toBe(GUIDE);
    const done = await tick(guide, task.id, { done: true });
    expect(done.status).toBe(200);
    const changed = Array.from(GUIDE, (_, i) => i).filter((i) => done.body.content[i] !== GUIDE[i]);
    expect(changed).toHaveLength(1);
    expect(done.body.content.slice((changed[0] ?? 0) - 3, (changed[0] ?? 0) + 2)).toBe("- [x]");
    expect(done.body.tasks[1]).toMatchObject({ status: "done", completedBy: dev.id });
    expect(done.body.tasks[1]?.actualMinutes).not.toBeNull();
    expect(done.body.progress).toEqual({ done: 1, total: 4 });
    expect(done.body.version).toBe(3);
    for (const t of done.body.tasks) if (t.id !== task.id) await tick(guide, t.id, { done: true });
    const all = (await h.call<Guide>("GET", `/api/v1/guides/${guide.id}`, { token: dev.token })).body;
    expect(all.status).toBe("completed");
    expect(all.content.match(/\[x\]/g)).toHaveLength(4);
    // The fenced and quoted boxes are untouched.
    expect(all.content).toContain("- [ ] not a task: inside a code fence");
    const reopened = await tick(guide, task.id, { status: "open" });
    expect(reopened.body).toMatchObject({ status: "in_progress", progress: { done: 3, total: 4 } });
  });

  it("keeps task ids, history and estimates across edits of the markdown around them", async () => {
    const guide = (await create({ title: "Edit", content: GUIDE })).body;
    const [first, second] = guide.tasks;
    if (!first || !second) throw new Error("no tasks");
    await tick(guide, first.id, { done: true, estimate: { minutes: 30, low: 20, high: 45 } });
    const current = (await h.call<Guide>("GET", `/api/v1/guides/${guide.id}`, { token: dev.token })).body;
    const edited = current.content
      .replace("## Backend\n", "## Backend\n- [ ] Talk to finance first\n")
      .replace("Stream rows as CSV", "Stream the rows as CSV");
    const res = await h.call<Guide>("PATCH", `/api/v1/guides/${guide.id}`, {
      token: dev.token,
      body: { content: edited, expectedVersion: current.version },
    });
    expect(res.status).toBe(200);
    const byText = new Map(res.body.tasks.map((t) => [t.text, t]));
    expect(byText.get("Add the export endpoint")).toMatchObject({
      id: first.id,
      status: "done",
      estimate: { minutes: 30, low: 20, high: 45 },
    });
    expect(byText.get("Stream the rows as CSV")?.id).toBe(second.id);
    expect(byText.get("Talk to finance first")?.id).not.toBeOneOf(guide.tasks.map((t) => t.id));
    // Ticking the box in the markdown itself completes the task too.
    const ticked = await h.call<Guide>("PATCH", `/api/v1/guides/${guide.id}`, {
      token: dev.token,
      body: {
        content: res.body.content.replace("- [ ] Download button", "- [x] Download button"),
        expectedVersion: res.body.version,
      },
    });
    expect(ticked.body.tasks.find((t) => t.text === "Download button")).toMatchObject({
      status: "done",
      completedBy: dev.id,
    });
  });

  it("detects stale edits (409), demands a version with content (428), and answers bad input with clear codes", async () => {
    const guide = (await create({ title: "Stale", content: GUIDE })).body;
    const task = guide.tasks[0];
    if (!task) throw new Error("no task");
    await tick(guide, task.id, { done: true });
    expect(
      errorOf(
        await h.call("PATCH", `/api/v1/guides/${guide.id}`, {
          token: dev.token,
          body: { content: "# lost edit", expectedVersion: guide.version },
        }),
      ),
    ).toEqual([409, "guide.version_conflict"]);
    expect(
      errorOf(
        await h.call("PATCH", `/api/v1/guides/${guide.id}`, {
          token: dev.token,
          body: { content: "# no version" },
        }),
      ),
    ).toEqual([428, "guide.version_required"]);
    expect(errorOf(await tick(guide, task.id, { done: false, expectedVersion: 1 }))).toEqual([
      409,
      "guide.version_conflict",
    ]);
    expect(errorOf(await tick(guide, "no-such-task", { done: true }))).toEqual([404, "guide.task_not_found"]);
    expect(errorOf(await create({ title: "Huge", content: "x".repeat(300_000) }))).toEqual([
      413,
      "guide.too_large",
    ]);
    expect(errorOf(await create({ title: "Many", content: "- [ ] t\n".repeat(2_001) }))).toEqual([
      413,
      "guide.too_large",
    ]);
    expect(errorOf(await create({ content: "# no title" }))).toEqual([400, "validation.failed"]);
    expect(errorOf(await tick(guide, task.id, { done: true, status: "open" }))).toEqual([
      400,
      "validation.failed",
    ]);
    expect(errorOf(await create({ title: "T", status: "finished" }))).toEqual([400, "validation.failed"]);
    expect(errorOf(await create({ title: "T", ownerId: h.adminToken.slice(0, 20) }))).toEqual([
      400,
      "validation.failed",
    ]);
    expect(
      errorOf(await h.call("GET", "/api/v1/guides?cursor=bm90LWEtY3Vyc29y", { token: dev.token })),
    ).toEqual([400, "validation.failed"]);
    // Nothing of the refused edits was stored.
    const now = (await h.call<Guide>("GET", `/api/v1/guides/${guide.id}`, { token: dev.token })).body;
    expect(now.content).toBe(GUIDE.replace("- [ ] Add the export endpoint", "- [x] Add the export endpoint"));
  });

  it("queues 20 concurrent ticks of different tasks: none is lost", async () => {
    const content = Array.from({ length: 20 }, (_, i) => `- [ ] task ${i}`).join("\n");
    const guide = (await create({ title: "Concurrent", content })).body;
    const answers = await Promise.all(guide.tasks.map((t) => tick(guide, t.id, { done: true })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const now = (await h.call<Guide>("GET", `/api/v1/guides/${guide.id}`, { token: dev.token })).body;
    expect(now.content).toBe(Array.from({ length: 20 }, (_, i) => `- [x] task ${i}`).join("\n"));
    expect(now).toMatchObject({ version: 21, status: "completed", progress: { done: 20, total: 20 } });
    // 20 concurrent edits made on the same version: exactly one wins.
    const edits = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.call("PATCH", `/api/v1/guides/${guide.id}`, {
          token: dev.token,
          body: { content: `${now.content}\n- [ ] added by ${i}`, expectedVersion: now.version },
        }),
      ),
    );
    expect(edits.filter((e) => e.status === 200)).toHaveLength(1);
    expect(edits.filter((e) => e.status === 409)).toHaveLength(19);
  });

  it("lists with filters, full-text search and cursor pages, and archives", async () => {
    const viewer = await memberOf(teamA, "viewer");
    const project = (
      await h.call<{ id: string }>("POST", "/api/v1/projects", {
        token: dev.token,
        body: { teamId: teamA, name: "Ledger" },
      })
    ).body.id;
    const a = (
      await create({
        title: "Kafka consumer rewrite",
        content: "- [ ] drain partitions",
        tags: ["infra"],
        projectId: project,
      })
    ).body;
    const b = (
      await create({ title: "Quarterly report", content: "Mentions the zeppelin budget.\n- [x] done" })
    ).body;
    const ids = async (query: string, token = viewer.token) =>
      (
        await h.call<Page<GuideSummary>>("GET", `/api/v1/guides?teamId=${teamA}&limit=200${query}`, { token })
      ).body.items.map((g) => g.id);
    expect(await ids("&q=kafka")).toEqual([a.id]);
    expect(await ids("&q=zeppel")).toEqual([b.id]);
    expect(await ids("&q=partitions drain")).toEqual([a.id]);
    expect(await ids('&q="); drop table guides; --')).toEqual([]);
    expect(await ids("&tag=INFRA")).toEqual([a.id]);
    expect(await ids(`&projectId=${project}`)).toEqual([a.id]);
    expect(await ids("&status=completed")).toContain(b.id);
    expect(await ids("&status=completed")).not.toContain(a.id);
    expect(await ids(`&ownerId=${dev.id}`)).toContain(a.id);
    await h.call("PATCH", `/api/v1/guides/${a.id}`, { token: dev.token, body: { archived: true } });
    expect(await ids("&q=kafka")).toEqual([]);
    expect(await ids("&q=kafka&includeArchived=true")).toEqual([a.id]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<GuideSummary> = (
        await h.call<Page<GuideSummary>>(
          "GET",
          `/api/v1/guides?teamId=${teamA}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
          { token: viewer.token },
        )
      ).body;
      seen.push(...page.items.map((g) => g.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual((await ids("")).sort());
  });

  it("keeps guides inside their team: 404 outside it, 403 for a viewer's writes, audited changes", async () => {
    const guide = (await create({ title: "Private", content: GUIDE })).body;
    const outsider = await memberOf(teamB, "admin");
    const viewer = await memberOf(teamA, "viewer");
    for (const [method, path, body] of [
      ["GET", `/api/v1/guides/${guide.id}`, undefined],
      ["PATCH", `/api/v1/guides/${guide.id}`, { title: "x" }],
      ["DELETE", `/api/v1/guides/${guide.id}`, undefined],
      ["PATCH", `/api/v1/guides/${guide.id}/tasks/${guide.tasks[0]?.id}`, { done: true }],
    ] as const) {
      expect(errorOf(await h.call(method, path, { token: outsider.token, body }))).toEqual([
        404,
        "guide.not_found",
      ]);
      if (method !== "GET")
        expect(errorOf(await h.call(method, path, { token: viewer.token, body }))).toEqual([
          403,
          "auth.forbidden",
        ]);
    }
    expect(errorOf(await create({ title: "x" }, outsider.token))).toEqual([404, "team.not_found"]);
    expect(
      (await h.call<Page<GuideSummary>>("GET", "/api/v1/guides", { token: outsider.token })).body.items,
    ).toEqual([]);
    // A key that may only read, bound to the team: it reads, and writes nothing.
    const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: dev.token,
      body: { name: "read-only", permissions: ["guides:read"], teamId: teamA },
    });
    expect(key.status).toBe(201);
    expect((await h.call("GET", `/api/v1/guides/${guide.id}`, { token: key.body.key })).status).toBe(200);
    expect(
      errorOf(
        await h.call("PATCH", `/api/v1/guides/${guide.id}`, { token: key.body.key, body: { title: "y" } }),
      ),
    ).toEqual([403, "auth.forbidden"]);
    expect((await h.call("DELETE", `/api/v1/guides/${guide.id}`, { token: dev.token })).status).toBe(204);
    const audit = await h.call<{ items: { action: string; target: { id: string } | null }[] }>(
      "GET",
      "/api/v1/audit?limit=200",
      {
        token: h.adminToken,
      },
    );
    expect(
      audit.body.items
        .filter((e) => e.target?.id === guide.id)
        .map((e) => e.action)
        .sort(),
    ).toEqual(["guide.created", "guide.deleted"]);
  });

  it("creates guides from built-in and team templates with variables", async () => {
    const templates = (
      await h.call<{ items: GuideTemplate[] }>("GET", `/api/v1/guide-templates?teamId=${teamA}`, {
        token: dev.token,
      })
    ).body.items;
    expect(templates.filter((t) => t.builtIn).map((t) => t.id)).toEqual([
      "builtin:feature",
      "builtin:bugfix",
      "builtin:refactor",
      "builtin:service",
    ]);
    const fromBuiltIn = await create({
      templateId: "builtin:bugfix",
      variables: { bug: "Totals off by a cent" },
    });
    expect(fromBuiltIn.status).toBe(201);
    expect(fromBuiltIn.body).toMatchObject({
      title: "Fix: Totals off by a cent",
      templateId: "builtin:bugfix",
      tags: ["bug"],
    });
    expect(fromBuiltIn.body.content).toContain("Reported in an issue.");
    expect(fromBuiltIn.body.progress.total).toBeGreaterThan(5);
    expect(errorOf(await create({ templateId: "builtin:bugfix", variables: {} }))).toEqual([
      400,
      "guide.template_variables",
    ]);
    expect(
      errorOf(await create({ templateId: "builtin:bugfix", variables: { bug: "x", nope: "y" } })),
    ).toEqual([400, "guide.template_variables"]);
    expect(errorOf(await create({ templateId: "builtin:none" }))).toEqual([404, "guide.template_not_found"]);

    const own = await h.call<GuideTemplate>("POST", "/api/v1/guide-templates", {
      token: dev.token,
      body: {
        teamId: teamA,
        name: "Release",
        title: "Release {{version}}",
        content: "# Release {{version}}\n- [ ] Tag {{version}}\n- [ ] Announce",
        variables: [{ name: "version", description: "semver" }],
      },
    });
    expect(own.status).toBe(201);
    const release = await create({ templateId: own.body.id, variables: { version: "2.4.0" } });
    expect(release.body).toMatchObject({ title: "Release 2.4.0" });
    expect(release.body.tasks.map((t) => t.text)).toEqual(["Tag 2.4.0", "Announce"]);
    expect(
      errorOf(
        await h.call("POST", "/api/v1/guide-templates", {
          token: dev.token,
          body: { teamId: teamA, name: "release", title: "x", content: "{{undeclared}}" },
        }),
      ),
    ).toEqual([400, "guide.template_variables"]);
    expect(
      errorOf(
        await h.call("POST", "/api/v1/guide-templates", {
          token: dev.token,
          body: { teamId: teamA, name: "RELEASE", title: "x", content: "" },
        }),
      ),
    ).toEqual([409, "guide.template_name_taken"]);
    const outsider = await memberOf(teamB, "developer");
    expect(
      errorOf(await h.call("GET", `/api/v1/guide-templates/${own.body.id}`, { token: outsider.token })),
    ).toEqual([404, "guide.template_not_found"]);
    expect(
      errorOf(
        await h.call("POST", "/api/v1/guides", {
          token: outsider.token,
          body: { teamId: teamB, templateId: own.body.id, variables: { version: "1" } },
        }),
      ),
    ).toEqual([404, "guide.template_not_found"]);
    expect(
      errorOf(
        await h.call("PATCH", "/api/v1/guide-templates/builtin:feature", {
          token: dev.token,
          body: { name: "x" },
        }),
      ),
    ).toEqual([403, "auth.forbidden"]);
    expect(
      (await h.call("DELETE", `/api/v1/guide-templates/${own.body.id}`, { token: dev.token })).status,
    ).toBe(204);
  });

  it("streams task changes live and resumes after a reconnect with Last-Event-ID", async () => {
    const guide = (await create({ title: "Live", content: GUIDE })).body;
    const headers = { authorization: `Bearer ${dev.token}` };
    const one = await openSse(`${h.url}/api/v1/guides/${guide.id}/events`, headers);
    const team = await openSse(`${h.url}/api/v1/guides/events?teamId=${teamA}`, headers);
    await one.until((events) => events.some((e) => e.event === "snapshot"));
    const [t0, t1, t2] = guide.tasks;
    if (!t0 || !t1 || !t2) throw new Error("no tasks");
    await tick(guide, t0.id, { done: true });
    const got = await one.until((events) => events.some((e) => e.event === "task.changed"));
    const change = got.find((e) => e.event === "task.changed")?.data as Extract<
      GuideEvent,
      { type: "task.changed" }
    >;
    expect(change).toMatchObject({
      guideId: guide.id,
      task: { id: t0.id, status: "done" },
      guide: { progress: { done: 1, total: 4 } },
    });
    await team.until((events) => events.some((e) => e.event === "task.changed"));
    const last = one.lastId();
    one.close();
    // Missed while disconnected: two ticks and a change elsewhere.
    await tick(guide, t1.id, { done: true });
    await create({ title: "Another guide" });
    await tick(guide, t2.id, { done: true });
    const resumed = await openSse(`${h.url}/api/v1/guides/${guide.id}/events`, {
      ...headers,
      "last-event-id": last ?? "",
    });
    const replay = await resumed.until(
      (events) => events.filter((e) => e.event === "task.changed").length >= 2,
    );
    expect(replay.some((e) => e.event === "snapshot")).toBe(false);
    expect(
      replay
        .filter((e) => e.event === "task.changed")
        .map((e) => (e.data as { task: { id: string } }).task.id),
    ).toEqual([t1.id, t2.id]);
    // An id the log cannot resume from gets a snapshot of the state now.
    const fresh = await openSse(`${h.url}/api/v1/guides/${guide.id}/events`, {
      ...headers,
      "last-event-id": "old-epoch:5",
    });
    const snap = await fresh.until((events) => events.some((e) => e.event === "snapshot"));
    expect((snap[0]?.data as { guides: GuideSummary[] }).guides[0]?.progress).toEqual({ done: 3, total: 4 });
    for (const c of [resumed, fresh, team]) c.close();
    const outsider = await memberOf(teamB, "admin");
    const refused = await fetch(`${h.url}/api/v1/guides/${guide.id}/events`, {
      headers: { authorization: `Bearer ${outsider.token}` },
    });
    expect(refused.status).toBe(404);
    const refusedTeam = await fetch(`${h.url}/api/v1/guides/events?teamId=${teamA}`, {
      headers: { authorization: `Bearer ${outsider.token}` },
    });
    expect(refusedTeam.status).toBe(404);
  });
});
