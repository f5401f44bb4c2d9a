import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Calls held for approval. A request is decided once: its status moves from `pending` by a
 * conditional update, so of concurrent decisions (and the expiry) exactly one lands.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("governance_approvals")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp, (c) => c.notNull())
      .addColumn("rule_id", t.id, (c) => c.notNull())
      .addColumn("rule_version", "integer", (c) => c.notNull())
      .addColumn("rule_name", "text", (c) => c.notNull())
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("project_id", t.id)
      .addColumn("surface", "text", (c) => c.notNull())
      .addColumn("model", "text", (c) => c.notNull())
      .addColumn("requester_id", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("requester_email", "text")
      .addColumn("api_key_id", t.id)
      .addColumn("request_id", "text")
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("matches", t.json, (c) => c.notNull())
      .addColumn("preview", "text", (c) => c.notNull())
      .addColumn("decided_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("decided_at", t.timestamp)
      .addColumn("decision_reason", "text")
      .execute();
    await db.schema
      .createIndex("governance_approvals_status_idx")
      .on("governance_approvals")
      .columns(["status", "team_id", "created_at"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("governance_approvals").execute();
  };
}
