import { sql, type Kysely } from "kysely";

/**
 * Usage rows say whether the answering model had a price (1) or not (0), so reports can say "no
 * price set" instead of showing $0. Earlier rows: priced when they cost something.
 */
export function up() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("usage_records").addColumn("priced", "integer").execute();
    await sql`update usage_records set priced = case when cost_micros > 0 then 1 else 0 end`.execute(db);
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("usage_records").dropColumn("priced").execute();
  };
}
