import type { Assistant, Conversation, Practice, Project } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestContext } from "../../src/kernel/request-context.ts";
import { openSse } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";

type UpstreamMessage = { role: string; content: unknown };
/** The messages of the last request the model got. */
const lastPrompt = (fake: FakeUpstream) =>
  (fake.requests.at(-1)?.body as { messages: UpstreamMessage[] }).messages;

describe.each(["sqlite", "postgres"] as const)(
  "practices in the system context of chat calls on %s",
  (shape) => {
    let fake: FakeUpstream;
    let h: Harness;
    let pgdb: TestPostgres | undefined;
    let teamId: string;
    let member: { id: string; token: string };
    let projectP: Project;
    let projectQ: Project;
    let assistant: Assistant;
    const practice: Record<string, Practice> = {};

    beforeAll(async () => {
      fake = await startFakeUpstream({ chunks: 2 });
      pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
      h = await startHarness({
        PARLEY_PROVIDERS: fakeProviders(fake.url),
        ...(pgdb
          ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "practices-stage-secret-0123456789" }
          : {}),
      });
      teamId = (
        await h.call<{ id: string }>("POST", "/api/v1/teams", {
          token: h.adminToken,
          body: { name: "Backend" },
        })
      ).body.id;
      member = await h.user("viewer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${member.id}`, {
        token: h.adminToken,
        body: { role: "admin" },
      });
      const project = async (name: string) =>
        (await h.call<Project>("POST", "/api/v1/projects", { token: member.token, body: { teamId, name } }))
          .body;
      projectP = await project("Billing");
      projectQ = await project("Search");
      assistant = (
        await h.call<Assistant>("POST", "/api/v1/assistants", {
          token: member.token,
          body: { name: "Reviewer", instructions: "Review like a senior engineer.", teamId },
        })
      ).body;
      const add = async (key: string, body: Record<string, unknown>) => {
        const res = await h.call<Practice>("POST", "/api/v1/practices", {
          token: member.token,
          body: { teamId, ...body },
        });
        expect(res.status).toBe(201);
        practice[key] = res.body;
      };
      // Made out of order: positions decide.
      await add("reviews", { title: "Reviews", body: "Two approvals before merging.", position: 5 });
      await add("tests", { title: "Tests", body: "Every fix comes with a test.", position: 1 });
      await add("off", { title: "Dormant", body: "Never shown.", enabled: false });
      await add("migrations", {
        projectId: projectP.id,
        title: "Migrations",
        body: "Migrations are never edited.",
      });
      await add("search", { projectId: projectQ.id, title: "Relevance", body: "Measure recall first." });
    }, 60_000);
    afterAll(async () => {
      await h.stop();
      await fake.close();
      await pgdb?.drop();
    });

    /** Sends `hi` in the conversation and waits for the answer. */
    async function ask(conversationId: string, token = member.token): Promise<UpstreamMessage[]> {
      const sse = await openSse(`${h.url}/api/v1/conversations/${conversationId}/events`, {
        authorization: `Bearer ${token}`,
      });
      const sent = await h.call<{ assistantMessage: { id: string } }>(
        "POST",
        `/api/v1/conversations/${conversationId}/messages`,
        { token, body: { content: "hi" } },
      );
      expect(sent.status).toBe(202);
      const id = sent.body.assistantMessage.id;
      await sse.until((events) =>
        events.some(
          (e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === id,
        ),
      );
      sse.close();
      return lastPrompt(fake);
    }
    const conversation = async (body: Record<string, unknown>, token = member.token) => {
      const res = await h.call<Conversation>("POST", "/api/v1/conversations", { token, body });
      expect(res.status).toBe(201);
      return res.body.id;
    };
    const systemTexts = (prompt: UpstreamMessage[]) =>
      prompt.filter((m) => m.role === "system").map((m) => String(m.content));

    it("sends the team's then the project's enabled practices, in order, after the assistant's instructions", async () => {
      const id = await conversation({ assistantId: assistant.id, projectId: projectP.id });
      const prompt = await ask(id);
      expect(prompt.map((m) => m.role)).toEqual(["system", "system", "user"]);
      expect(prompt[0]?.content).toBe("Review like a senior engineer.");
      expect(prompt[1]?.content).toBe(
        [
          "Follow these practices, agreed by the team, in every answer.",
          "Team practices:",
          "1. Tests\nEvery fix comes with a test.",
          "2. Reviews\nTwo approvals before merging.",
          "Project practices:",
          "1. Migrations\nMigrations are never edited.",
        ].join("\n\n"),
      );
    });

    it("gives a call outside any project only the team-wide practices, and one in another project that project's", async () => {
      const teamOnly = systemTexts(await ask(await conversation({ teamId })));
      expect(teamOnly).toHaveLength(1);
      expect(teamOnly[0]).toContain("1. Tests");
      expect(teamOnly[0]).not.toContain("Project practices");
      const inQ = systemTexts(await ask(await conversation({ projectId: projectQ.id })));
      expect(inQ[0]).toContain("Project practices:\n\n1. Relevance\nMeasure recall first.");
      expect(inQ[0]).not.toContain("Migrations");
      // A personal conversation belongs to no team: no practices.
      const personal = await ask(await conversation({}, h.adminToken), h.adminToken);
      expect(personal.map((m) => m.role)).toEqual(["user"]);
    });

    it("uses a new version, an enabled or disabled practice and a new order from the very next call", async () => {
      const id = await conversation({ projectId: projectP.id });
      expect(systemTexts(await ask(id))[0]).toContain("Every fix comes with a test.");

      const edited = await h.call<Practice>("PUT", `/api/v1/practices/${practice.tests?.id ?? ""}`, {
        token: member.token,
        body: { expectedVersion: 1, title: "Tests", body: "Every fix comes with a regression test." },
      });
      expect(edited.status).toBe(200);
      let text = systemTexts(await ask(id))[0];
      expect(text).toContain("1. Tests\nEvery fix comes with a regression test.");
      expect(text).not.toContain("Every fix comes with a test.");

      await h.call("PATCH", `/api/v1/practices/${practice.reviews?.id ?? ""}`, {
        token: member.token,
        body: { enabled: false },
      });
      await h.call("PATCH", `/api/v1/practices/${practice.off?.id ?? ""}`, {
        token: member.token,
        body: { enabled: true },
      });
      text = systemTexts(await ask(id))[0];
      expect(text).not.toContain("Two approvals");
      expect(text).toContain("Never shown.");

      // Tests, Reviews (disabled), Dormant: up twice, Dormant comes first.
      for (let i = 0; i < 2; i++) {
        const moved = await h.call("POST", `/api/v1/practices/${practice.off?.id ?? ""}/move`, {
          token: member.token,
          body: { direction: "up" },
        });
        expect(moved.status).toBe(200);
      }
      text = systemTexts(await ask(id))[0] ?? "";
      expect(text.indexOf("Dormant")).toBeLessThan(text.indexOf("Tests"));

      await h.call("DELETE", `/api/v1/practices/${practice.migrations?.id ?? ""}`, { token: member.token });
      expect(systemTexts(await ask(id))[0]).not.toContain("Project practices");
    });

    it("gives a call at most 16,000 characters of practices, the team's first, and says what was left out", async () => {
      const big = (
        await h.call<{ id: string }>("POST", "/api/v1/teams", {
          token: h.adminToken,
          body: { name: "Verbose" },
        })
      ).body.id;
      await h.call("PUT", `/api/v1/teams/${big}/members/${member.id}`, {
        token: h.adminToken,
        body: { role: "admin" },
      });
      for (const [title, chars] of [
        ["Long one", 9_000],
        ["Long two", 9_000],
        ["Never reached", 100],
      ] as const)
        await h.call("POST", "/api/v1/practices", {
          token: member.token,
          body: { teamId: big, title, body: `${title}: ${"x".repeat(chars)}` },
        });
      const [text = ""] = systemTexts(await ask(await conversation({ teamId: big })));
      expect(text.length).toBeLessThanOrEqual(16_000);
      expect(text).toContain(`1. Long one\nLong one: ${"x".repeat(9_000)}\n\n2. Long two\nLong two: xxx`);
      expect(text).not.toContain("Never reached");
      expect(text).toMatch(/the last one above is cut; 1 more is left out\.\]$/);
    });
  },
);

describe("practices changed on one pod reach the AI calls of another", () => {
  const namespace = uniqueId("practices");
  let pgdb: TestPostgres;
  let fake: FakeUpstream;
  let podA: Harness;
  let podB: Harness;

  beforeAll(async () => {
    pgdb = await createTestPostgres();
    fake = await startFakeUpstream({ chunks: 1 });
    const shared = {
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      PARLEY_DATABASE_URL: pgdb.url,
      PARLEY_NATS_URL: testServices.natsUrl,
      PARLEY_REDIS_URL: testServices.redisUrl,
      PARLEY_NAMESPACE: namespace,
      PARLEY_SECRET_KEY: "practices-pods-secret-0123456789abcdef",
    };
    podA = await startHarness(shared);
    podB = await startHarness(shared);
  }, 90_000);
  afterAll(async () => {
    await podA.stop();
    await podB.stop();
    await fake.close();
    await pgdb.drop();
    await cleanupNamespace(namespace);
  });

  it("drops pod B's cached practices when pod A announces a change, well before the cache's 10 s bound", async () => {
    const teamId = (
      await podA.call<{ id: string }>("POST", "/api/v1/teams", {
        token: podA.adminToken,
        body: { name: "Pods" },
      })
    ).body.id;
    const created = await podA.call<Practice>("POST", "/api/v1/practices", {
      token: podA.adminToken,
      body: { teamId, title: "Style", body: "Version one." },
    });
    expect(created.status).toBe(201);
    const { principal } = await podB.parley.modules.identity.auth.authenticate(podB.adminToken);
    const ctx: RequestContext = { requestId: null, ip: null, userAgent: "test", principal };
    const systemOnB = async () => {
      const run = await podB.parley.modules.ai.pipeline.streamChat(
        {
          surface: "gateway",
          teamId,
          model: "fake/fake-model",
          prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
          options: {},
        },
        ctx,
      );
      const parts = [];
      for await (const part of run.parts) parts.push(part);
      expect(parts.at(-1)?.type).toBe("finish");
      return String(lastPrompt(fake).find((m) => m.role === "system")?.content);
    };
    // B caches version one…
    expect(await systemOnB()).toContain("Version one.");
    expect(await systemOnB()).toContain("Version one.");
    const edited = await podA.call<Practice>("PUT", `/api/v1/practices/${created.body.id}`, {
      token: podA.adminToken,
      body: { expectedVersion: 1, title: "Style", body: "Version two." },
    });
    expect(edited.status).toBe(200);
    // …and hears of version two over the bus.
    await expect.poll(systemOnB, { timeout: 3_000, interval: 100 }).toContain("Version two.");
  }, 30_000);
});
