import type { Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * One-time password reset links an administrator makes for an account: stored as the token's
 * hash, single use (`used_at`, set by one conditional update), expiring, and replaced (`revoked_at`)
 * when a newer link is made for the same account. Removed with the account.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("password_resets")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      // No foreign key: the link stays valid if the administrator who made it is removed.
      .addColumn("created_by", t.id, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp, (c) => c.notNull())
      .addColumn("used_at", t.timestamp)
      .addColumn("revoked_at", t.timestamp)
      .execute();
    await db.schema.createIndex("password_resets_user_idx").on("password_resets").column("user_id").execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("password_resets").execute();
  };
}
