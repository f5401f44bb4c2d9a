import type { Kysely } from "kysely";

/**
 * A refund names the movement it gives back (part of), so what is left to refund is the
 * original's amount less the refunds naming it. No foreign key: both rows are in the same
 * account's ledger, which goes as a whole.
 */
export function up() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("billing_transactions").addColumn("refund_of", "text").execute();
    await db.schema
      .createIndex("billing_transactions_refund_of_idx")
      .on("billing_transactions")
      .column("refund_of")
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropIndex("billing_transactions_refund_of_idx").execute();
    await db.schema.alterTable("billing_transactions").dropColumn("refund_of").execute();
  };
}
