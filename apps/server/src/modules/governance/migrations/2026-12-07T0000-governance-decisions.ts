import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * What governance rules did to AI calls: one row per rule and call (also in the audit log).
 * The rule is referred to by id and version, not by a foreign key: a decision outlives its rule.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("governance_decisions")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("at", t.timestamp, (c) => c.notNull())
      .addColumn("rule_id", t.id, (c) => c.notNull())
      .addColumn("rule_version", "integer", (c) => c.notNull())
      .addColumn("rule_name", "text", (c) => c.notNull())
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("project_id", t.id)
      .addColumn("assistant_id", t.id)
      .addColumn("tier", "text", (c) => c.notNull())
      .addColumn("surface", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("actor_id", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("api_key_id", t.id)
      .addColumn("request_id", "text")
      .addColumn("model", "text")
      .addColumn("matches", t.json, (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("governance_decisions_team_at_idx")
      .on("governance_decisions")
      .columns(["team_id", "at"])
      .execute();
    await db.schema
      .createIndex("governance_decisions_rule_at_idx")
      .on("governance_decisions")
      .columns(["rule_id", "at"])
      .execute();
    await db.schema
      .createIndex("governance_decisions_at_idx")
      .on("governance_decisions")
      .columns(["at", "id"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("governance_decisions").execute();
  };
}
