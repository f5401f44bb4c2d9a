import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { knowledgeClient } from "./knowledge-support.ts";

const PLANTS = `# Plants

## Photosynthesis

Chlorophyll in the leaves turns sunlight, water and carbon dioxide into sugar and oxygen.

## Roots

Roots take up water and minerals from the soil.
`;
const STARS = `# Stars

A star fuses hydrogen into helium in its core. Red giants have used up their hydrogen.
`;
const BACKUPS = `# Backups

Backups run nightly with pg_dump; restore them with pg_restore. Keep thirty days of backups.
`;

describe.each(["sqlite", "postgres"] as const)("keyword search on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "knowledge-search-test-secret-0123456789" }
        : {},
    );
    const team = async (name: string) =>
      (await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })).body
        .id;
    teamA = await team("Botany");
    teamB = await team("Astronomy");
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  async function memberOf(teamId: string, role: "viewer" | "developer") {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }

  it("ranks a base's passages by BM25, with document, heading path and span, and keeps bases apart", async () => {
    const dev = knowledgeClient(h, (await memberOf(teamA, "developer")).token);
    const kb = await dev.create("Garden", teamA);
    expect(
      (await dev.upload(kb.id, { "plants.md": PLANTS, "stars.md": STARS, "backups.md": BACKUPS })).status,
    ).toBe(201);
    await dev.settled(kb.id);

    const found = await dev.search(kb.id, "How do leaves make sugar from sunlight?");
    expect(found.status).toBe(200);
    expect(found.body.mode).toBe("keyword");
    const top = found.body.data[0];
    expect(top).toMatchObject({
      documentName: "plants.md",
      knowledgeBaseId: kb.id,
      headingPath: ["Plants", "Photosynthesis"],
    });
    expect(top?.text).toContain("Chlorophyll");
    expect(PLANTS.slice(top?.start, top?.end)).toBe(top?.text);
    // Stemming: "fusing" finds "fuses"; stars are not about leaves.
    expect((await dev.search(kb.id, "fusing hydrogen")).body.data.map((d) => d.documentName)).toEqual([
      "stars.md",
    ]);
    expect(found.body.data.every((d) => d.score > 0)).toBe(true);
    expect(found.body.data.map((d) => d.score)).toEqual(
      [...found.body.data.map((d) => d.score)].sort((a, b) => b - a),
    );

    // Another team's base with the same words changes neither the hits nor their scores here.
    const other = knowledgeClient(h, (await memberOf(teamB, "developer")).token);
    const kbB = await other.create("Sky", teamB);
    await other.upload(kbB.id, {
      "sun.md": "# Sun\n\nSunlight and sugar and leaves and hydrogen, ".repeat(20),
    });
    await other.settled(kbB.id);
    const again = await dev.search(kb.id, "How do leaves make sugar from sunlight?");
    expect(again.body.data).toEqual(found.body.data);
    expect((await other.search(kbB.id, "chlorophyll")).body.data).toEqual([]);
    // Another team's base is not found, whoever asks.
    expect((await dev.search(kbB.id, "sun")).body.error.code).toBe("knowledge_base.not_found");
    expect((await other.search(kb.id, "sun")).status).toBe(404);
  });

  it("forgets deleted documents at once, keeps the base's totals true, and serves a re-index", async () => {
    const dev = knowledgeClient(h, (await memberOf(teamA, "developer")).token);
    const kb = await dev.create("Ops", teamA);
    const uploaded = await dev.upload(kb.id, { "backups.md": BACKUPS, "stars.md": STARS });
    await dev.settled(kb.id);
    const backups = uploaded.body.documents.find((d) => d.name === "backups.md");
    expect((await dev.search(kb.id, "pg_restore nightly")).body.data[0]?.documentName).toBe("backups.md");

    const totals = async () => {
      const db = allTables(h.parley.platform.database);
      const base = await db
        .selectFrom("knowledge_bases")
        .select(["indexed_chunks", "indexed_terms"])
        .where("id", "=", kb.id)
        .executeTakeFirstOrThrow();
      const chunks = await db
        .selectFrom("knowledge_chunks")
        .select((eb) => [
          eb.fn.countAll<number>().as("n"),
          eb.fn.sum<number | null>("term_count").as("terms"),
        ])
        .where("knowledge_base_id", "=", kb.id)
        .executeTakeFirstOrThrow();
      return [base.indexed_chunks, base.indexed_terms, chunks.n, chunks.terms ?? 0];
    };
    const [n, terms, realN, realTerms] = await totals();
    expect([n, terms]).toEqual([realN, realTerms]);
    expect(n).toBe(2);

    // Re-indexing twice keeps the totals (no double counting) and the passage found meanwhile.
    for (let i = 0; i < 2; i++) {
      await h.call("POST", `/api/v1/knowledge-bases/${kb.id}/documents/${backups?.id}/reindex`, {
        token: dev.token,
      });
      await dev.settled(kb.id);
    }
    expect(await totals()).toEqual([2, terms, 2, terms]);

    await h.call("DELETE", `/api/v1/knowledge-bases/${kb.id}/documents/${backups?.id}`, { token: dev.token });
    expect((await dev.search(kb.id, "pg_restore nightly")).body.data).toEqual([]);
    const [n2, t2, real2, realT2] = await totals();
    expect([n2, t2]).toEqual([real2, realT2]);
    expect(n2).toBe(1);
  });

  it("takes any text as a query: operators, quotes and stop words are words, not syntax", async () => {
    const viewer = knowledgeClient(h, (await memberOf(teamA, "viewer")).token);
    const dev = knowledgeClient(h, (await memberOf(teamA, "developer")).token);
    const kb = await dev.create("Odd", teamA);
    await dev.upload(kb.id, { "stars.md": STARS });
    await dev.settled(kb.id);
    for (const query of [
      'NEAR(star "helium" AND OR NOT *',
      "star*",
      "'; drop table knowledge_chunks; --",
      "the of and",
      "!!! ???",
      "^core",
      "héliüm",
      "x".repeat(2000),
    ]) {
      const res = await viewer.search(kb.id, query);
      expect(res.status, query).toBe(200);
    }
    expect((await viewer.search(kb.id, "HELIUM")).body.data).toHaveLength(1);
    expect((await viewer.search(kb.id, "héliüm")).body.data).toHaveLength(1);
    expect((await viewer.search(kb.id, "the of and")).body.data).toEqual([]);
    // Bad requests: a clear 400 with a stable code, nothing searched.
    for (const body of [
      { query: "" },
      { query: "x".repeat(2001) },
      { query: "a", limit: 0 },
      { query: "a", mode: "fuzzy" },
      {},
    ]) {
      const res = await h.call<{ error: { code: string } }>(
        "POST",
        `/api/v1/knowledge-bases/${kb.id}/search`,
        {
          token: viewer.token,
          body,
        },
      );
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation.failed");
    }
    expect((await viewer.search("no-such-base", "star")).status).toBe(404);
  });
});
