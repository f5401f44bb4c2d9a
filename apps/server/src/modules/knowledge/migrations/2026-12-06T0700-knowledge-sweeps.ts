import type { Kysely } from "kysely";

/**
 * Crash safety of ingestion: how often the stranded-document sweep handed a document that was
 * being processed back to the queue (its worker died, or its job ran out of deliveries); past a
 * few times it is failed. And an index for the sweep's look-ups by status and age.
 */
export function up() {
  return async (db: Kysely<unknown>) => {
    await db.schema
      .alterTable("knowledge_documents")
      .addColumn("sweeps", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    // The sweep looks for queued, processing and half-uploaded documents by age.
    await db.schema
      .createIndex("knowledge_documents_status_idx")
      .on("knowledge_documents")
      .columns(["status", "updated_at"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropIndex("knowledge_documents_status_idx").execute();
    await db.schema.alterTable("knowledge_documents").dropColumn("sweeps").execute();
  };
}
