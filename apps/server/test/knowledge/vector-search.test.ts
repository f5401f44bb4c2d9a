import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { knowledgeClient } from "./knowledge-support.ts";

/** 64 dimensions through one fake upstream; 48 through another, which a test can make fail. */
const SMALL = "fake/fake-model@dims=64";
const OTHER = "flaky/fake-large@dims=48";

const STARS =
  "# Stars\n\nA star fuses hydrogen into helium in its core. Red giants have used up their hydrogen.\n";
const PLANTS = "# Plants\n\nChlorophyll in the leaves turns sunlight, water and carbon dioxide into sugar.\n";
const BACKUPS = "# Backups\n\nBackups run nightly with pg_dump; restore them with pg_restore.\n";
// A tie for BM25 on "melting snow and ice": the same length, one of "ice" and "snow" each, "melts"
// once. The embedding (normalised by the vector's length, not the word count) sees that ice.md
// spends more of itself on a word the query does not have ("slowly" twice): snow.md is closer.
const ICE = "# Ice\n\nIce melts slowly, slowly.\n";
const SNOW = "# Snow\n\nSnow melts slowly, surely.\n";

describe.each(["sqlite", "postgres"] as const)("vector and hybrid search on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let fake: FakeUpstream;
  let flaky: FakeUpstream;
  let teamId: string;
  // SQLite ranks vectors with sqlite-vec; the test PostgreSQL has no pgvector (see pgvector.test.ts).
  const ranksVectors = shape === "sqlite";

  beforeAll(async () => {
    fake = await startFakeUpstream();
    flaky = await startFakeUpstream();
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness({
      ...(pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "knowledge-vector-test-secret-0123456789" }
        : {}),
      PARLEY_AI_MAX_RETRIES: "0",
      PARLEY_PROVIDERS: JSON.stringify([
        {
          id: "fake",
          name: "Fake",
          type: "openai-compatible",
          baseURL: `${fake.url}/v1`,
          models: ["fake-model@dims=64"],
        },
        {
          id: "flaky",
          name: "Flaky",
          type: "openai-compatible",
          baseURL: `${flaky.url}/v1`,
          models: ["fake-large@dims=48"],
        },
        {
          id: "claude",
          name: "Claude",
          type: "anthropic",
          baseURL: `${fake.url}/v1`,
          apiKey: "k",
          models: ["fake-model"],
        },
      ]),
    });
    teamId = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Lab" } })
    ).body.id;
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
    await fake.close();
    await flaky.close();
  });

  async function member(role: "viewer" | "developer") {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return knowledgeClient(h, u.token);
  }

  const embeddingCalls = (upstream: FakeUpstream) =>
    upstream.requests.filter((r) => r.path === "/v1/embeddings");

  it("names an embedding model per base, checks it, and embeds passages on ingestion, metered to the team", async () => {
    const dev = await member("developer");
    expect((await dev.create("Plain", teamId)).embeddingModel).toBeNull();
    const kb = await dev.create("Sky", teamId, { embeddingModel: SMALL });
    expect(kb).toMatchObject({ embeddingModel: SMALL, activeEmbeddingModel: SMALL });

    const unknown = await dev.update(kb.id, { embeddingModel: "nope/none" });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "model.not_found"]);
    const chat = await dev.update(kb.id, { embeddingModel: "claude/fake-model" });
    expect([chat.status, chat.body.error.code]).toEqual([400, "validation.failed"]);
    expect(chat.body.error.message).toContain("cannot embed");
    expect((await dev.get(kb.id)).embeddingModel).toBe(SMALL);

    const before = embeddingCalls(fake).length;
    expect((await dev.upload(kb.id, { "stars.md": STARS, "plants.md": PLANTS })).status).toBe(201);
    const documents = await dev.embedded(kb.id);
    expect(documents.map((d) => [d.status, d.error, d.vectorsPending])).toEqual([
      ["ready", null, false],
      ["ready", null, false],
    ]);
    const calls = embeddingCalls(fake).slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]?.body).toMatchObject({ model: "fake-model@dims=64" });

    // Through the pipeline: metered to the base's team and audited, as the base's owner.
    const usage = await h.call<{ rows: { key: string; requests: number }[] }>(
      "GET",
      `/api/v1/usage?groupBy=model&teamId=${teamId}`,
      { token: h.adminToken },
    );
    expect(usage.body.rows.find((r) => r.key === SMALL)?.requests).toBeGreaterThan(0);
    const audit = await h.call<{ items: { action: string; teamId: string | null }[] }>(
      "GET",
      "/api/v1/audit?limit=20&outcome=success",
      { token: h.adminToken },
    );
    expect(audit.body.items.find((e) => e.action === "ai.embed")).toMatchObject({ teamId });
  });

  it("searches hybrid by default with a model: vectors break a keyword tie; vector mode ranks by cosine", async () => {
    const dev = await member("developer");
    const kb = await dev.create("Weather", teamId, { embeddingModel: SMALL });
    await dev.upload(kb.id, { "ice.md": ICE, "snow.md": SNOW, "stars.md": STARS });
    await dev.embedded(kb.id);
    const query = "melting snow and ice";

    const keyword = await dev.search(kb.id, query, { mode: "keyword" });
    expect(keyword.body.mode).toBe("keyword");
    const [first, second] = keyword.body.data;
    expect(keyword.body.data.map((d) => d.documentName).sort()).toEqual(["ice.md", "snow.md"]);
    expect(first?.score).toBeCloseTo(second?.score ?? 0, 9);

    const hybrid = await dev.search(kb.id, query);
    const vector = await dev.search(kb.id, "hydrogen fusing in stars", { mode: "vector" });
    if (!ranksVectors) {
      // PostgreSQL without pgvector: keyword mode, and the answer says so.
      expect([hybrid.body.mode, vector.body.mode]).toEqual(["keyword", "keyword"]);
      expect(hybrid.body.data).toEqual(keyword.body.data);
      return;
    }
    expect(hybrid.body.mode).toBe("hybrid");
    expect(hybrid.body.data.map((d) => d.documentName).slice(0, 2)).toEqual(["snow.md", "ice.md"]);
    expect(hybrid.body.data[0]?.score).toBeGreaterThan(hybrid.body.data[1]?.score ?? 1);
    // Vector ranking reaches passages without any query word (stars.md), after those with some.
    expect(hybrid.body.data.map((d) => d.documentName)).toContain("stars.md");

    expect(vector.body.mode).toBe("vector");
    expect(vector.body.data[0]?.documentName).toBe("stars.md");
    const scores = vector.body.data.map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]).toBeGreaterThan(0.5);
    expect(scores[0]).toBeLessThanOrEqual(1 + 1e-6);

    // A viewer may read the base but not use AI: the query is not embedded, words answer.
    const viewer = await member("viewer");
    const asViewer = await viewer.search(kb.id, query, { mode: "hybrid" });
    expect([asViewer.status, asViewer.body.mode]).toEqual([200, "keyword"]);
  });

  it("answers vector and hybrid requests by keyword for a base without a model, and says so", async () => {
    const dev = await member("developer");
    const kb = await dev.create("Ops", teamId);
    await dev.upload(kb.id, { "backups.md": BACKUPS, "stars.md": STARS });
    await dev.settled(kb.id);
    const before = embeddingCalls(fake).length;
    for (const mode of [undefined, "vector", "hybrid"] as const) {
      const res = await dev.search(kb.id, "restore backups", mode ? { mode } : {});
      expect([res.status, res.body.mode, res.body.data[0]?.documentName]).toEqual([
        200,
        "keyword",
        "backups.md",
      ]);
    }
    expect((await dev.documents(kb.id)).map((d) => d.vectorsPending)).toEqual([false, false]);
    expect(embeddingCalls(fake).length).toBe(before);
  });

  it("re-embeds in the background when the model changes: the old vectors serve until the new set is complete", async () => {
    const dev = await member("developer");
    const kb = await dev.create("Switch", teamId, { embeddingModel: SMALL });
    await dev.upload(kb.id, { "stars.md": STARS, "plants.md": PLANTS, "backups.md": BACKUPS });
    await dev.embedded(kb.id);
    const query = "how do leaves make sugar";
    const old = await dev.search(kb.id, query, { mode: "vector" });
    expect(old.body.mode).toBe(ranksVectors ? "vector" : "keyword");
    expect(old.body.data[0]?.documentName).toBe("plants.md");

    // The new model's provider fails for now: the re-embed job keeps trying.
    flaky.configure({ fault: "500" });
    const changed = await dev.update(kb.id, { embeddingModel: OTHER });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ embeddingModel: OTHER, activeEmbeddingModel: SMALL });
    await expect.poll(() => embeddingCalls(flaky).length, { timeout: 20_000 }).toBeGreaterThan(0);

    // Mid-way: searches answer with the old (64-dimension) vectors, never a dimension mismatch.
    const during = await dev.search(kb.id, query, { mode: "vector" });
    expect(during.status).toBe(200);
    expect(during.body.mode).toBe(old.body.mode);
    expect(during.body.data.map((d) => d.chunkId)).toEqual(old.body.data.map((d) => d.chunkId));
    expect((await dev.get(kb.id)).activeEmbeddingModel).toBe(SMALL);
    expect((await dev.documents(kb.id)).every((d) => d.vectorsPending)).toBe(true);

    flaky.configure({ fault: undefined });
    await expect
      .poll(async () => (await dev.get(kb.id)).activeEmbeddingModel, { timeout: 30_000 })
      .toBe(OTHER);
    const flakyCalls = embeddingCalls(flaky).length;
    const after = await dev.search(kb.id, query, { mode: "vector" });
    expect(after.status).toBe(200);
    expect(after.body.mode).toBe(old.body.mode);
    expect(after.body.data[0]?.documentName).toBe("plants.md");
    // The query went to the new model (on SQLite; PostgreSQL here does not embed queries).
    expect(embeddingCalls(flaky).length).toBe(flakyCalls + (ranksVectors ? 1 : 0));
    expect((await dev.documents(kb.id)).some((d) => d.vectorsPending)).toBe(false);
    // Only the new model's vectors are left.
    const models = await allTables(h.parley.platform.database)
      .selectFrom("knowledge_vectors")
      .select(["model", "dimensions"])
      .distinct()
      .where("knowledge_base_id", "=", kb.id)
      .execute();
    expect(models).toEqual([{ model: OTHER, dimensions: 48 }]);

    // No model: keyword only, vectors gone.
    const none = await dev.update(kb.id, { embeddingModel: null });
    expect(none.body).toMatchObject({ embeddingModel: null, activeEmbeddingModel: null });
    expect((await dev.search(kb.id, query, { mode: "vector" })).body.mode).toBe("keyword");
  });

  it("keeps a document ready and searchable by keyword when its passages cannot be embedded, and embeds them later", async () => {
    const dev = await member("developer");
    const kb = await dev.create("Failing", teamId, { embeddingModel: OTHER });
    flaky.configure({ fault: "500" });
    await dev.upload(kb.id, { "backups.md": BACKUPS });
    await expect
      .poll(async () => (await dev.documents(kb.id))[0]?.error ?? "", { timeout: 20_000 })
      .toContain("Re-index it to try again");
    const [document] = await dev.documents(kb.id);
    expect(document).toMatchObject({ status: "ready", vectorsPending: true });
    expect(document?.error).toContain(`could not be embedded with ${OTHER}`);
    const found = await dev.search(kb.id, "pg_restore", { mode: "hybrid" });
    expect([found.status, found.body.data[0]?.documentName]).toEqual([200, "backups.md"]);

    // Setting the model again retries the passages still missing.
    flaky.configure({ fault: undefined });
    expect((await dev.update(kb.id, { embeddingModel: OTHER })).status).toBe(200);
    const [embedded] = await dev.embedded(kb.id);
    expect(embedded).toMatchObject({ status: "ready", error: null, vectorsPending: false });
  });
});
