import { sql, type Kysely, type RawBuilder } from "kysely";
import type { MigrationDialect } from "../../platform/db/database.ts";
import type { KnowledgeTables } from "./knowledge.tables.ts";

/** One passage's vector from one model. */
export interface PassageVector {
  chunkId: string;
  knowledgeBaseId: string;
  model: string;
  vector: readonly number[];
}

/** A passage found by vector, with its cosine similarity to the query (higher is better). */
export interface VectorMatch {
  chunkId: string;
  score: number;
}

/** A vector search over some bases' vectors of one model. */
export interface VectorQuery {
  knowledgeBaseIds: string[];
  model: string;
  vector: readonly number[];
  limit: number;
}

/**
 * How a database stores and ranks passage vectors: `sqlite-vec` (SQLite, always), `pgvector`
 * (PostgreSQL with the extension), or `none` (PostgreSQL without it: vectors are stored as bytes
 * for later, and vector searches are answered by keyword).
 */
export type VectorRanking = "sqlite-vec" | "pgvector" | "none";

/**
 * Vectors of a knowledge base's passages, one set per embedding model. Only passages whose
 * vector has the query's length are compared, so models of different sizes never meet.
 */
export interface VectorIndex {
  readonly ranking: VectorRanking;
  /** Stores vectors, replacing a passage's earlier one from the same model. */
  store(db: Kysely<KnowledgeTables>, vectors: readonly PassageVector[]): Promise<void>;
  /** The `limit` passages nearest to the query vector by cosine distance; [] when `ranking` is none. */
  search(db: Kysely<KnowledgeTables>, query: VectorQuery): Promise<VectorMatch[]>;
}

/** Rows a single insert carries (5 parameters a row, well under PostgreSQL's 65,535). */
const INSERT_ROWS = 500;

/**
 * The vector index of a database. On PostgreSQL it reads the type the migration gave the
 * `embedding` column: `vector` where pgvector could be created, `bytea` where it could not.
 * @example
 * const index = await vectorIndexFor("postgres", db); index.ranking; // "pgvector" or "none"
 */
export async function vectorIndexFor(
  dialect: MigrationDialect,
  db: Kysely<KnowledgeTables>,
): Promise<VectorIndex> {
  if (dialect === "sqlite") return new SqliteVecIndex();
  const { rows } = await sql<{ udt_name: string }>`
    select udt_name from information_schema.columns
    where table_schema = current_schema() and table_name = 'knowledge_vectors' and column_name = 'embedding'`.execute(
    db,
  );
  return rows[0]?.udt_name === "vector" ? new PgVectorIndex() : new PgBytesIndex();
}

/** Float32, little-endian: the bytes sqlite-vec reads, and OpenAI's base64 encoding. */
export function float32Bytes(vector: readonly number[]): Uint8Array {
  return new Uint8Array(new Float32Array(vector).buffer);
}

/** pgvector's text form of a vector: `[0.1,0.2]`. */
export function pgvectorText(vector: readonly number[]): string {
  return `[${vector.map((v) => (Number.isFinite(v) ? v : 0)).join(",")}]`;
}

async function upsert(
  db: Kysely<KnowledgeTables>,
  vectors: readonly PassageVector[],
  encode: (vector: readonly number[]) => Uint8Array | RawBuilder<string>,
): Promise<void> {
  for (let i = 0; i < vectors.length; i += INSERT_ROWS) {
    await db
      .insertInto("knowledge_vectors")
      .values(
        vectors.slice(i, i + INSERT_ROWS).map((v) => ({
          chunk_id: v.chunkId,
          knowledge_base_id: v.knowledgeBaseId,
          model: v.model,
          dimensions: v.vector.length,
          embedding: encode(v.vector),
        })),
      )
      .onConflict((oc) =>
        oc.columns(["chunk_id", "model"]).doUpdateSet((eb) => ({
          dimensions: eb.ref("excluded.dimensions"),
          embedding: eb.ref("excluded.embedding"),
        })),
      )
      .execute();
  }
}

/**
 * SQLite: float32 blobs in a plain table, ranked by sqlite-vec's `vec_distance_cosine` over one
 * base's vectors of one model (an exact scan; ADR 0021 weighs it against `vec0`).
 */
class SqliteVecIndex implements VectorIndex {
  readonly ranking = "sqlite-vec";

  store(db: Kysely<KnowledgeTables>, vectors: readonly PassageVector[]) {
    return upsert(db, vectors, float32Bytes);
  }

  async search(db: Kysely<KnowledgeTables>, query: VectorQuery): Promise<VectorMatch[]> {
    if (!query.knowledgeBaseIds.length) return [];
    const { rows } = await sql<{ chunk_id: string; distance: number }>`
      select chunk_id, distance from (
        select chunk_id, vec_distance_cosine(embedding, ${float32Bytes(query.vector)}) as distance
        from knowledge_vectors
        where knowledge_base_id in (${sql.join(query.knowledgeBaseIds)})
          and model = ${query.model} and dimensions = ${query.vector.length}
      ) where distance is not null
      order by distance, chunk_id limit ${query.limit}`.execute(db);
    return matches(rows);
  }
}

/**
 * PostgreSQL with pgvector: a `vector` column without a fixed length (one table for every
 * model), `<=>` (cosine distance) over one base's vectors of one model: an exact scan of the rows
 * the (base, model, dimensions) index finds.
 */
export class PgVectorIndex implements VectorIndex {
  readonly ranking = "pgvector";

  store(db: Kysely<KnowledgeTables>, vectors: readonly PassageVector[]) {
    return upsert(db, vectors, (v) => sql<string>`cast(${pgvectorText(v)} as vector)`);
  }

  async search(db: Kysely<KnowledgeTables>, query: VectorQuery): Promise<VectorMatch[]> {
    if (!query.knowledgeBaseIds.length) return [];
    const { rows } = await sql<{ chunk_id: string; distance: number }>`
      select chunk_id, (embedding <=> cast(${pgvectorText(query.vector)} as vector))::float8 as distance
      from knowledge_vectors
      where knowledge_base_id = any(${query.knowledgeBaseIds}::text[])
        and model = ${query.model} and dimensions = ${query.vector.length}
      order by distance, chunk_id limit ${query.limit}`.execute(db);
    return matches(rows);
  }
}

/**
 * PostgreSQL without pgvector: vectors are kept (float32 bytes, ready for a later conversion) but
 * not ranked; the search service answers vector and hybrid requests by keyword and says so.
 */
class PgBytesIndex implements VectorIndex {
  readonly ranking = "none";

  store(db: Kysely<KnowledgeTables>, vectors: readonly PassageVector[]) {
    return upsert(db, vectors, float32Bytes);
  }

  search(): Promise<VectorMatch[]> {
    return Promise.resolve([]);
  }
}

/** Distances to similarities; a zero vector has no direction and matches nothing (NaN, null). */
function matches(rows: { chunk_id: string; distance: number | null }[]): VectorMatch[] {
  const found: VectorMatch[] = [];
  for (const row of rows) {
    const score = 1 - Number(row.distance);
    if (row.distance !== null && Number.isFinite(score)) found.push({ chunkId: row.chunk_id, score });
  }
  return found;
}
