import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Governance rules and their immutable versions. A team's rules go with the team; a null team is
 * organisation-wide. A version is keyed by (rule, number), so two concurrent edits of the same
 * version cannot both land.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("governance_rules")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("current_version", "integer", (c) => c.notNull())
      .addColumn("enabled", t.boolean, (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("governance_rules_team_name_idx")
      .on("governance_rules")
      .columns(["team_id", "name", "id"])
      .execute();
    await db.schema
      .createTable("governance_rule_versions")
      .addColumn("rule_id", t.id, (c) => c.notNull().references("governance_rules.id").onDelete("cascade"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("spec", t.json, (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("governance_rule_versions_pk", ["rule_id", "version"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("governance_rule_versions").execute();
    await db.schema.dropTable("governance_rules").execute();
  };
}
