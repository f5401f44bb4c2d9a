import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allMigrations } from "../../src/app/migrations.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import type { KnowledgeTables } from "../../src/modules/knowledge/knowledge.tables.ts";
import { vectorIndexFor } from "../../src/modules/knowledge/vector-index.ts";
import { VectorRepository } from "../../src/modules/knowledge/vector.repository.ts";
import { tablesOf } from "../../src/platform/db/database.ts";
import { startPglite, type TestPglite } from "../pglite.ts";

/**
 * The pgvector SQL, on PostgreSQL with the extension: PGlite with pgvector, migrated by the same
 * migrations as every database (the real PostgreSQL of CI has no pgvector; the fallback is tested
 * over HTTP in vector-search.test.ts).
 */
let pglite: TestPglite;
let db: Kysely<KnowledgeTables & { users: { id: string } }>;
let vectors: VectorRepository;

/** A unit vector pointing mostly along axis `axis` of `dimensions`, tilted by `tilt` along the next. */
function unit(dimensions: number, axis: number, tilt = 0): number[] {
  const v = new Array<number>(dimensions).fill(0);
  v[axis % dimensions] = 1;
  v[(axis + 1) % dimensions] = tilt;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

async function base(id: string, model: string | null, active: string | null = model) {
  await db
    .insertInto("knowledge_bases")
    .values({
      id,
      owner_id: "owner",
      team_id: null,
      name: id,
      description: "",
      embedding_model: model,
      active_embedding_model: active,
      created_at: 0,
      updated_at: 0,
    })
    .execute();
  await db
    .insertInto("knowledge_documents")
    .values({
      id: `${id}-doc`,
      knowledge_base_id: id,
      name: "doc.md",
      media_type: "text/markdown",
      size_bytes: 1,
      sha256: id,
      blob_key: id,
      status: "ready",
      error: null,
      chunk_count: 4,
      content: null,
      created_at: 0,
      updated_at: 0,
    })
    .execute();
  const chunks = [0, 1, 2, 3].map((i) => ({
    id: `${id}:${i}`,
    document_id: `${id}-doc`,
    knowledge_base_id: id,
    ordinal: i,
    heading_path: "[]",
    start_offset: 0,
    end_offset: 1,
    text: `passage ${i}`,
    token_count: 2,
  }));
  await db.insertInto("knowledge_chunks").values(chunks).execute();
}

const stored = (kb: string, i: number, model: string, vector: number[]) => ({
  chunkId: `${kb}:${i}`,
  knowledgeBaseId: kb,
  model,
  vector,
  text: `passage ${i}`,
});

beforeAll(async () => {
  pglite = await startPglite();
  await applyMigrations(pglite.database, allMigrations());
  db = tablesOf(pglite.database.db);
  await sql`insert into users (id, email, name, global_role, status, created_at, updated_at)
    values ('owner', 'owner@parley.test', 'Owner', 'admin', 'active', 0, 0)`.execute(db);
  vectors = new VectorRepository(pglite.database, await vectorIndexFor("postgres", db));
}, 60_000);
afterAll(async () => {
  await pglite.close();
});

describe("vectors on PostgreSQL with pgvector (PGlite)", () => {
  it("migrates the embedding column to pgvector's vector type and ranks with it", async () => {
    const { rows } = await sql<{ udt_name: string }>`select udt_name from information_schema.columns
      where table_name = 'knowledge_vectors' and column_name = 'embedding'`.execute(db);
    expect(rows).toEqual([{ udt_name: "vector" }]);
    expect(vectors.ranking).toBe("pgvector");
  });

  it("orders a base's passages by cosine distance (<=>), within one model and its dimensions", async () => {
    await base("kb1", "m/small");
    await base("kb2", "m/small");
    await vectors.store([
      stored("kb1", 0, "m/small", unit(4, 0)),
      stored("kb1", 1, "m/small", unit(4, 0, 0.5)),
      stored("kb1", 2, "m/small", unit(4, 2)),
      stored("kb1", 3, "m/small", [0, 0, 0, 0]),
      // Another base, and another model of another length, near the query too.
      stored("kb2", 0, "m/small", unit(4, 0)),
      stored("kb1", 0, "m/large", unit(8, 0)),
    ]);
    const found = await vectors.search({
      knowledgeBaseIds: ["kb1"],
      model: "m/small",
      vector: unit(4, 0, 0.1),
      limit: 10,
    });
    // Nearest first; the zero vector has no direction and matches nothing.
    expect(found.map((f) => f.chunkId)).toEqual(["kb1:0", "kb1:1", "kb1:2"]);
    expect(found[0]?.score).toBeCloseTo(0.995, 3);
    expect(found[2]?.score).toBeCloseTo(0, 5);
    expect(
      (
        await vectors.search({ knowledgeBaseIds: ["kb1"], model: "m/small", vector: unit(4, 2), limit: 1 })
      ).map((f) => f.chunkId),
    ).toEqual(["kb1:2"]);
    // Both bases at once; a query of another length finds only that length's vectors.
    expect(
      await vectors.search({
        knowledgeBaseIds: ["kb1", "kb2"],
        model: "m/small",
        vector: unit(4, 0),
        limit: 2,
      }),
    ).toHaveLength(2);
    expect(
      (
        await vectors.search({ knowledgeBaseIds: ["kb1"], model: "m/large", vector: unit(8, 0), limit: 5 })
      ).map((f) => f.chunkId),
    ).toEqual(["kb1:0"]);
    expect(
      await vectors.search({ knowledgeBaseIds: ["kb1"], model: "m/small", vector: unit(8, 0), limit: 5 }),
    ).toEqual([]);
  });

  it("replaces a passage's vector, forgets it with its passage, and skips a passage re-worded meanwhile", async () => {
    await base("kb3", "m/small");
    await vectors.store([stored("kb3", 0, "m/small", unit(4, 1))]);
    await vectors.store([stored("kb3", 0, "m/small", unit(4, 3))]);
    const query = { knowledgeBaseIds: ["kb3"], model: "m/small", vector: unit(4, 3), limit: 5 };
    expect((await vectors.search(query))[0]?.score).toBeCloseTo(1, 5);
    // Computed from words the passage no longer holds: not stored.
    await vectors.store([{ ...stored("kb3", 1, "m/small", unit(4, 3)), text: "old words" }]);
    expect((await vectors.search(query)).map((f) => f.chunkId)).toEqual(["kb3:0"]);
    await db.deleteFrom("knowledge_chunks").where("id", "=", "kb3:0").execute();
    expect(await vectors.search(query)).toEqual([]);
  });

  it("switches a base to a new model only once every passage has a vector from it", async () => {
    await base("kb4", "m/small");
    await vectors.store([0, 1, 2, 3].map((i) => stored("kb4", i, "m/small", unit(4, i))));
    expect(await vectors.activateIfComplete("kb4", "m/small")).toBe(true);
    await vectors.setModel("kb4", "m/large", 1);
    expect(await vectors.activateIfComplete("kb4", "m/large")).toBe(false);
    expect((await vectors.pending("kb4", "m/large", { limit: 10 })).map((p) => p.id)).toEqual([
      "kb4:0",
      "kb4:1",
      "kb4:2",
      "kb4:3",
    ]);
    await vectors.store([0, 1, 2].map((i) => stored("kb4", i, "m/large", unit(8, i))));
    expect(await vectors.documentsPending("kb4", "m/large")).toEqual(new Set(["kb4-doc"]));
    expect(await vectors.activateIfComplete("kb4", "m/large")).toBe(false);
    expect((await vectors.base("kb4"))?.activeModel).toBe("m/small");
    await vectors.store([stored("kb4", 3, "m/large", unit(8, 3))]);
    expect(await vectors.activateIfComplete("kb4", "m/large")).toBe(true);
    expect(await vectors.base("kb4")).toMatchObject({ model: "m/large", activeModel: "m/large" });
    // The old model's vectors went with the switch.
    const models = await db
      .selectFrom("knowledge_vectors")
      .select("model")
      .distinct()
      .where("knowledge_base_id", "=", "kb4")
      .execute();
    expect(models).toEqual([{ model: "m/large" }]);
  });
});
