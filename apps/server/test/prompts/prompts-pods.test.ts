import type { Prompt } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_CACHE_TTL_MS } from "../../src/modules/prompts/label-cache.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";

/**
 * Two pods on the same PostgreSQL, NATS and Redis: a label moved on one is what the other answers
 * with within seconds, although it had the label cached (the cache lives 30 s without a change).
 */
describe("a label change reaches every pod", () => {
  const namespace = uniqueId("prompts");
  let fake: FakeUpstream;
  let pgdb: TestPostgres;
  let podA: Harness;
  let podB: Harness;

  beforeAll(async () => {
    fake = await startFakeUpstream({
      chunks: 1,
      textFor: (body) =>
        (body as { messages: { role: string; content: string }[] }).messages.find((m) => m.role === "system")
          ?.content ?? "none",
    });
    pgdb = await createTestPostgres();
    const env = {
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      PARLEY_DATABASE_URL: pgdb.url,
      PARLEY_NATS_URL: testServices.natsUrl,
      PARLEY_REDIS_URL: testServices.redisUrl,
      PARLEY_NAMESPACE: namespace,
      PARLEY_SECRET_KEY: "prompts-pods-secret-key-0123456789abcdef",
    };
    podA = await startHarness(env);
    podB = await startHarness(env);
  }, 90_000);
  afterAll(async () => {
    await podA.stop();
    await podB.stop();
    await fake.close();
    await pgdb.drop();
    await cleanupNamespace(namespace);
  });

  it("answers with the moved label's version on the other pod within seconds", async () => {
    const teamId = (
      await podA.call<{ id: string }>("POST", "/api/v1/teams", {
        token: podA.adminToken,
        body: { name: "Pods" },
      })
    ).body.id;
    const made = await podA.call<Prompt>("POST", "/api/v1/prompts", {
      token: podA.adminToken,
      body: {
        teamId,
        name: "Roaming",
        content: { kind: "persona", instructions: "first", model: "fake/fake-model" },
      },
    });
    const id = made.body.id;
    await podA.call("PUT", `/api/v1/prompts/${id}`, {
      token: podA.adminToken,
      body: {
        expectedVersion: 1,
        content: { kind: "persona", instructions: "second", model: "fake/fake-model" },
      },
    });
    await podA.call("PUT", `/api/v1/prompts/${id}/labels/production`, {
      token: podA.adminToken,
      body: { version: 1 },
    });
    const key = await podB.call<{ key: string }>("POST", "/api/v1/api-keys", {
      token: podB.adminToken,
      body: { name: "pod-b", permissions: ["ai:use", "prompts:read"], teamId },
    });
    const onB = new OpenAI({ baseURL: `${podB.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
    const ask = async () =>
      (
        await onB.chat.completions.create({
          model: "persona/roaming",
          messages: [{ role: "user", content: "hi" }],
        })
      ).choices[0]?.message.content;
    // Pod B resolves (and caches) production → v1.
    expect(await ask()).toBe("first");
    expect(await ask()).toBe("first");

    const moved = Date.now();
    await podA.call("PUT", `/api/v1/prompts/${id}/labels/production`, {
      token: podA.adminToken,
      body: { version: 2 },
    });
    await expect.poll(ask, { timeout: 5_000, interval: 50 }).toBe("second");
    // Far sooner than the cache's lifetime: the announcement did it, not the expiry.
    expect(Date.now() - moved).toBeLessThan(LABEL_CACHE_TTL_MS / 6);
  });
});
