import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Balances and budgets (ADR 0032): accounts (a person's or a team's) with their balance, the
 * ledger of every movement in integer micro-units, budgets per scope and period with their
 * settled spend, the holds of calls in flight (each with an expiry, so a crashed call's hold
 * lapses), and the alerts told at 80% and 100%.
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema
      .createTable("billing_accounts")
      .addColumn("id", t.id, (c) => c.primaryKey())
      // Exactly one of them; the account goes with its owner.
      .addColumn("user_id", t.id, (c) => c.unique().references("users.id").onDelete("cascade"))
      .addColumn("team_id", t.id, (c) => c.unique().references("teams.id").onDelete("cascade"))
      .addColumn("balance_micros", "bigint", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addCheckConstraint("billing_accounts_one_owner", sql`(user_id is null) <> (team_id is null)`)
      .execute();
    await db.schema
      .createTable("billing_transactions")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("account_id", t.id, (c) => c.notNull().references("billing_accounts.id").onDelete("cascade"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("amount_micros", "bigint", (c) => c.notNull())
      .addColumn("balance_after_micros", "bigint", (c) => c.notNull())
      .addColumn("actor_id", t.id)
      .addColumn("reason", "text", (c) => c.notNull())
      // A payment event id, `allowance:<account>:<yyyy-mm>`, `usage:<reservation>`: at most once.
      .addColumn("idempotency_key", "text", (c) => c.unique())
      .addColumn("request_id", "text")
      .addColumn("at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("billing_transactions_account_idx")
      .on("billing_transactions")
      .columns(["account_id", "at", "id"])
      .execute();
    await db.schema
      .createTable("billing_budgets")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("scope_kind", "text", (c) => c.notNull())
      .addColumn("scope_id", "text", (c) => c.notNull())
      // The team it belongs to (a team budget's team), for who may see and change it.
      .addColumn("team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("period", "text", (c) => c.notNull())
      .addColumn("limit_micros", "bigint", (c) => c.notNull())
      .addColumn("created_by", t.id, (c) => c.references("users.id").onDelete("set null"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("billing_budgets_scope_idx")
      .on("billing_budgets")
      .columns(["scope_kind", "scope_id", "period"])
      .unique()
      .execute();
    await db.schema
      .createTable("billing_budget_spend")
      .addColumn("budget_id", t.id, (c) => c.notNull().references("billing_budgets.id").onDelete("cascade"))
      .addColumn("period_start", t.timestamp, (c) => c.notNull())
      .addColumn("spent_micros", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("billing_budget_spend_pk", ["budget_id", "period_start"])
      .execute();
    await db.schema
      .createTable("billing_holds")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("reservation_id", t.id, (c) => c.notNull())
      // `budget:<id>` or `account:<id>`.
      .addColumn("target", "text", (c) => c.notNull())
      .addColumn("amount_micros", "bigint", (c) => c.notNull())
      .addColumn("expires_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("billing_holds_target_idx")
      .on("billing_holds")
      .columns(["target", "expires_at"])
      .execute();
    await db.schema
      .createIndex("billing_holds_reservation_idx")
      .on("billing_holds")
      .column("reservation_id")
      .execute();
    await db.schema
      .createTable("billing_alerts")
      .addColumn("id", t.id, (c) => c.primaryKey())
      .addColumn("budget_id", t.id, (c) => c.notNull().references("billing_budgets.id").onDelete("cascade"))
      .addColumn("scope_kind", "text", (c) => c.notNull())
      .addColumn("scope_id", "text", (c) => c.notNull())
      .addColumn("owner_user_id", t.id, (c) => c.references("users.id").onDelete("cascade"))
      .addColumn("owner_team_id", t.id, (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("threshold", "integer", (c) => c.notNull())
      .addColumn("period_start", t.timestamp, (c) => c.notNull())
      .addColumn("spent_micros", "bigint", (c) => c.notNull())
      .addColumn("limit_micros", "bigint", (c) => c.notNull())
      .addColumn("at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("billing_alerts_once_idx")
      .on("billing_alerts")
      .columns(["budget_id", "period_start", "threshold"])
      .unique()
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    for (const table of [
      "billing_alerts",
      "billing_holds",
      "billing_budget_spend",
      "billing_budgets",
      "billing_transactions",
      "billing_accounts",
    ])
      await db.schema.dropTable(table).execute();
  };
}
