import { sql, type Kysely } from "kysely";
import type { MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * The audit chain's sealed head (`audit_head`, one row): the newest entry's seq and hash, sealed
 * with the audit key by the application, so that deleting the newest entries fails verification
 * (ADR 0014). A migration holds no key: the row starts at the current end of the chain (last
 * entry, else the retention anchor, else genesis) with an empty seal, which the first append
 * replaces with a real one.
 */
export function up(dialect: MigrationDialect) {
  const seq = dialect === "postgres" ? "bigint" : "integer";
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("audit_head")
      // Always 1.
      .addColumn("slot", "integer", (c) => c.primaryKey())
      .addColumn("head_seq", seq, (c) => c.notNull())
      .addColumn("head_hash", "text", (c) => c.notNull())
      // HMAC of head_seq and head_hash; '' until the first append seals the head.
      .addColumn("hash", "text", (c) => c.notNull())
      .execute();
    await sql`
      insert into audit_head (slot, head_seq, head_hash, hash)
      select 1,
        coalesce((select seq from audit_log order by seq desc limit 1),
                 (select pruned_through_seq from audit_anchor where slot = 1), 0),
        coalesce((select hash from audit_log order by seq desc limit 1),
                 (select last_pruned_hash from audit_anchor where slot = 1), ${"0".repeat(64)}),
        ''
    `.execute(db);
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropTable("audit_head").execute();
  };
}
