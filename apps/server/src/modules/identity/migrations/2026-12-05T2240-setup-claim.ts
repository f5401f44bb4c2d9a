import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * First-run setup is claimed once: `setup_claim` holds at most one row (`slot` is always 1, the
 * primary key), written in the same transaction as the first account. Concurrent setups, on one
 * process or across pods, race on that key and exactly one wins (a count of users cannot tell).
 * Installations that already have accounts are marked as set up by their oldest account.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("setup_claim")
      .addColumn("slot", "integer", (c) => c.primaryKey())
      // No foreign key: removing that account later must not reopen setup.
      .addColumn("user_id", t.id, (c) => c.notNull())
      .addColumn("claimed_at", t.timestamp, (c) => c.notNull())
      .execute();
    await sql`insert into setup_claim (slot, user_id, claimed_at)
      select 1, id, created_at from users order by created_at, id limit 1`.execute(db);
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("setup_claim").execute();
  };
}
