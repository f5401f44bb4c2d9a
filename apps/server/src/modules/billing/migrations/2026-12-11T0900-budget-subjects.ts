import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Budgets per visitor or per IP (ADR 0037): a budget's `per` ('' for the whole scope, `visitor`,
 * `ip`) joins the scope and period in what must be unique, so a widget may have one month budget
 * for itself and one for each visitor; its spend is counted per `subject` ('' for the whole scope).
 * SQLite cannot change a primary key, so there the spend table is rebuilt (nothing references it).
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .alterTable("billing_budgets")
      .addColumn("per", "text", (c) => c.notNull().defaultTo(""))
      .execute();
    await db.schema.dropIndex("billing_budgets_scope_idx").execute();
    await db.schema
      .createIndex("billing_budgets_scope_idx")
      .on("billing_budgets")
      .columns(["scope_kind", "scope_id", "period", "per"])
      .unique()
      .execute();
    if (dialect === "postgres") {
      await db.schema
        .alterTable("billing_budget_spend")
        .addColumn("subject", "text", (c) => c.notNull().defaultTo(""))
        .execute();
      await db.schema.alterTable("billing_budget_spend").dropConstraint("billing_budget_spend_pk").execute();
      await db.schema
        .alterTable("billing_budget_spend")
        .addPrimaryKeyConstraint("billing_budget_spend_pk", ["budget_id", "period_start", "subject"])
        .execute();
      return;
    }
    await db.schema
      .createTable("billing_budget_spend_next")
      .addColumn("budget_id", t.id, (c) => c.notNull().references("billing_budgets.id").onDelete("cascade"))
      .addColumn("period_start", t.timestamp, (c) => c.notNull())
      .addColumn("subject", "text", (c) => c.notNull().defaultTo(""))
      .addColumn("spent_micros", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("billing_budget_spend_pk", ["budget_id", "period_start", "subject"])
      .execute();
    await sql`insert into billing_budget_spend_next (budget_id, period_start, subject, spent_micros)
      select budget_id, period_start, '', spent_micros from billing_budget_spend`.execute(db);
    await db.schema.dropTable("billing_budget_spend").execute();
    await db.schema.alterTable("billing_budget_spend_next").renameTo("billing_budget_spend").execute();
  };
}

/** Back to one counter per budget: per-subject budgets and their spend go. */
export function down(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await sql`delete from billing_budgets where per <> ''`.execute(db);
    if (dialect === "postgres") {
      await sql`delete from billing_budget_spend where subject <> ''`.execute(db);
      await db.schema.alterTable("billing_budget_spend").dropConstraint("billing_budget_spend_pk").execute();
      await db.schema.alterTable("billing_budget_spend").dropColumn("subject").execute();
      await db.schema
        .alterTable("billing_budget_spend")
        .addPrimaryKeyConstraint("billing_budget_spend_pk", ["budget_id", "period_start"])
        .execute();
    } else {
      await db.schema
        .createTable("billing_budget_spend_prev")
        .addColumn("budget_id", t.id, (c) => c.notNull().references("billing_budgets.id").onDelete("cascade"))
        .addColumn("period_start", t.timestamp, (c) => c.notNull())
        .addColumn("spent_micros", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("billing_budget_spend_pk", ["budget_id", "period_start"])
        .execute();
      await sql`insert into billing_budget_spend_prev (budget_id, period_start, spent_micros)
        select budget_id, period_start, spent_micros from billing_budget_spend where subject = ''`.execute(
        db,
      );
      await db.schema.dropTable("billing_budget_spend").execute();
      await db.schema.alterTable("billing_budget_spend_prev").renameTo("billing_budget_spend").execute();
    }
    await db.schema.dropIndex("billing_budgets_scope_idx").execute();
    await db.schema
      .createIndex("billing_budgets_scope_idx")
      .on("billing_budgets")
      .columns(["scope_kind", "scope_id", "period"])
      .unique()
      .execute();
    await db.schema.alterTable("billing_budgets").dropColumn("per").execute();
  };
}
