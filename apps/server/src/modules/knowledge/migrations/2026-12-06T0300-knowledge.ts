import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/** Knowledge bases, their documents (files in the blob store) and the chunks they are cut into. */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("knowledge_bases")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("owner_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("knowledge_bases_team_idx")
      .on("knowledge_bases")
      .columns(["team_id", "name"])
      .execute();
    await db.schema
      .createTable("knowledge_documents")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("knowledge_base_id", t.id, (c) =>
        c.notNull().references("knowledge_bases.id").onDelete("cascade"),
      )
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("media_type", "text", (c) => c.notNull())
      .addColumn("size_bytes", "bigint", (c) => c.notNull())
      .addColumn("sha256", "text", (c) => c.notNull())
      .addColumn("blob_key", "text", (c) => c.notNull())
      // queued → processing → ready | failed
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("chunk_count", "integer", (c) => c.notNull())
      // The text the chunks' spans point into (markdown, as parsed from the file).
      .addColumn("content", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      // The same file twice in one knowledge base is one document.
      .addUniqueConstraint("knowledge_documents_hash_uq", ["knowledge_base_id", "sha256"])
      .execute();
    await db.schema
      .createTable("knowledge_chunks")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("document_id", t.id, (c) =>
        c.notNull().references("knowledge_documents.id").onDelete("cascade"),
      )
      .addColumn("knowledge_base_id", t.id, (c) => c.notNull())
      .addColumn("ordinal", "integer", (c) => c.notNull())
      // JSON array of the headings above the chunk, outermost first.
      .addColumn("heading_path", t.json, (c) => c.notNull())
      .addColumn("start_offset", "integer", (c) => c.notNull())
      .addColumn("end_offset", "integer", (c) => c.notNull())
      .addColumn("text", "text", (c) => c.notNull())
      .addColumn("token_count", "integer", (c) => c.notNull())
      .addUniqueConstraint("knowledge_chunks_ordinal_uq", ["document_id", "ordinal"])
      .execute();
    await db.schema
      .createIndex("knowledge_chunks_kb_idx")
      .on("knowledge_chunks")
      .column("knowledge_base_id")
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("knowledge_chunks").execute();
    await db.schema.dropTable("knowledge_documents").execute();
    await db.schema.dropTable("knowledge_bases").execute();
  };
}
