import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/** Users, teams, memberships, invitations, refresh-token families, API keys, SSO identities. */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("users")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("email", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("password_hash", "text")
      .addColumn("global_role", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addColumn("last_login_at", t.timestamp)
      .execute();

    await db.schema
      .createTable("teams")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("memberships")
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("memberships_pk", ["team_id", "user_id"])
      .execute();
    await db.schema.createIndex("memberships_user_idx").on("memberships").column("user_id").execute();

    await db.schema
      .createTable("invitations")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("team_id", t.id, (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("email", "text")
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_by", t.id, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp, (c) => c.notNull())
      .addColumn("accepted_at", t.timestamp)
      .addColumn("accepted_by", t.id)
      .addColumn("revoked_at", t.timestamp)
      .execute();

    await db.schema
      .createTable("refresh_tokens")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("family_id", t.id, (c) => c.notNull())
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp, (c) => c.notNull())
      .addColumn("used_at", t.timestamp)
      .addColumn("revoked_at", t.timestamp)
      .addColumn("ip", "text")
      .addColumn("user_agent", "text")
      .execute();
    await db.schema
      .createIndex("refresh_tokens_family_idx")
      .on("refresh_tokens")
      .column("family_id")
      .execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("key_hash", "text", (c) => c.notNull())
      .addColumn("permissions", t.json, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp)
      .addColumn("last_used_at", t.timestamp)
      .addColumn("revoked_at", t.timestamp)
      .execute();
    await db.schema.createIndex("api_keys_user_idx").on("api_keys").column("user_id").execute();

    await db.schema
      .createTable("oidc_identities")
      .addColumn("issuer", "text", (c) => c.notNull())
      .addColumn("subject", "text", (c) => c.notNull())
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("oidc_identities_pk", ["issuer", "subject"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    for (const table of [
      "oidc_identities",
      "api_keys",
      "refresh_tokens",
      "invitations",
      "memberships",
      "teams",
      "users",
    ]) {
      await db.schema.dropTable(table).execute();
    }
  };
}
