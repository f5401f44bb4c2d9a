import type { Kysely } from "kysely";
import { type MigrationDialect, columnTypes } from "../../../db/migration-helpers.ts";

/**
 * The hash-chained audit log and its retention anchor. `seq` is assigned by the application
 * (last + 1 under a lock), so the chain order is the key order in both dialects.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  // SQLite: `integer primary key` is the rowid (64-bit). PostgreSQL: int4 would end at 2^31.
  const seq = dialect === "postgres" ? "bigint" : "integer";
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("audit_log")
      .addColumn("seq", seq, (c) => c.primaryKey())
      .addColumn("id", t.id, (c) => c.notNull().unique())
      .addColumn("at", t.timestamp, (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("outcome", "text", (c) => c.notNull())
      .addColumn("actor_type", "text", (c) => c.notNull())
      .addColumn("actor_id", "text")
      .addColumn("actor_email", "text")
      .addColumn("target_type", "text")
      .addColumn("target_id", "text")
      .addColumn("team_id", "text")
      .addColumn("request_id", "text")
      .addColumn("ip", "text")
      .addColumn("summary", t.json, (c) => c.notNull())
      .addColumn("prev_hash", "text", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .execute();
    // Lists are newest first (seq desc) within a filter: each index ends with seq.
    await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();
    await db.schema.createIndex("audit_log_action").on("audit_log").columns(["action", "seq"]).execute();
    await db.schema.createIndex("audit_log_actor").on("audit_log").columns(["actor_id", "seq"]).execute();
    await db.schema.createIndex("audit_log_team").on("audit_log").columns(["team_id", "seq"]).execute();
    await db.schema
      .createIndex("audit_log_target")
      .on("audit_log")
      .columns(["target_type", "target_id", "seq"])
      .execute();

    await db.schema
      .createTable("audit_anchor")
      // Always 1. No row until retention first removes entries: the chain then starts at genesis.
      .addColumn("slot", "integer", (c) => c.primaryKey())
      .addColumn("pruned_through_seq", "bigint", (c) => c.notNull())
      .addColumn("last_pruned_hash", "text", (c) => c.notNull())
      .addColumn("pruned_at", t.timestamp, (c) => c.notNull())
      // HMAC of the three fields above, so that the anchor cannot be moved without the key.
      .addColumn("hash", "text", (c) => c.notNull())
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("audit_anchor").execute();
    await db.schema.dropTable("audit_log").execute();
  };
}
