import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Vector search. A knowledge base names the embedding model it wants (`embedding_model`) and the
 * one whose vectors searches use (`active_embedding_model`): they differ while a new model's
 * vectors are computed, so the old ones keep serving. Vectors are kept per chunk and model, with
 * their length, so that two models never meet in one comparison.
 *
 * The `embedding` column: float32 little-endian in a blob on SQLite (ranked by sqlite-vec); on
 * PostgreSQL pgvector's `vector` (no fixed length: one table holds every model's) when the
 * extension can be created, else the same bytes in `bytea`, which the search does not rank (it
 * answers vector requests in keyword mode and says so). ADR 0021.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("knowledge_bases").addColumn("embedding_model", "text").execute();
    await db.schema.alterTable("knowledge_bases").addColumn("active_embedding_model", "text").execute();
    const pgvector = dialect === "postgres" && (await createVectorExtension(db));
    await db.schema
      .createTable("knowledge_vectors")
      .addColumn("chunk_id", t.id, (c) => c.notNull().references("knowledge_chunks.id").onDelete("cascade"))
      .addColumn("knowledge_base_id", t.id, (c) => c.notNull())
      .addColumn("model", "text", (c) => c.notNull())
      .addColumn("dimensions", "integer", (c) => c.notNull())
      .addColumn("embedding", pgvector ? sql`vector` : t.bytes, (c) => c.notNull())
      .addPrimaryKeyConstraint("knowledge_vectors_pk", ["chunk_id", "model"])
      .execute();
    // A search reads one base's vectors of one model.
    await db.schema
      .createIndex("knowledge_vectors_kb_idx")
      .on("knowledge_vectors")
      .columns(["knowledge_base_id", "model", "dimensions"])
      .execute();
  };
}

/**
 * Creates pgvector's extension if the server has it. A failed statement would abort the
 * migration's transaction, hence the savepoint.
 */
async function createVectorExtension(db: Kysely<unknown>): Promise<boolean> {
  await sql`savepoint knowledge_vector_extension`.execute(db);
  try {
    await sql`create extension if not exists vector`.execute(db);
    await sql`release savepoint knowledge_vector_extension`.execute(db);
    return true;
  } catch {
    // Not installed on the server, or not ours to create: vectors are stored, not ranked.
    await sql`rollback to savepoint knowledge_vector_extension`.execute(db);
    return false;
  }
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("knowledge_vectors").execute();
    await db.schema.alterTable("knowledge_bases").dropColumn("active_embedding_model").execute();
    await db.schema.alterTable("knowledge_bases").dropColumn("embedding_model").execute();
  };
}
