import { sql, type Expression, type Kysely, type SqlBool } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { BillingAlertsTable, BillingBudgetsTable, BillingTables } from "./billing.tables.ts";

export type BudgetRow = BillingBudgetsTable;
export type AlertRow = BillingAlertsTable;

/**
 * The hold target of a budget in `billing_holds`: `budget:<id>`, or `budget:<id>:<subject>` for
 * one visitor's or IP's share of a per-subject budget.
 */
export const budgetTarget = (budgetId: string, subject = "") =>
  subject === "" ? `budget:${budgetId}` : `budget:${budgetId}:${subject}`;

/** The subject that spent the most of a per-subject budget in a period, and how many spent. */
export interface SubjectSpend {
  top: { subject: string; spentMicros: number } | null;
  count: number;
}

/** What a call is made by and for, as budgets are scoped. */
export interface CallScopes {
  /** Null for a channel's visitor: the publisher's own budget caps the publisher's own calls only. */
  userId: string | null;
  teamId: string | null;
  apiKeyId: string | null;
  assistantId: string | null;
  /** The widget or bot a channel's visitor called through (its `widget` or `bot` budgets). */
  channel: { kind: "widget" | "bot"; id: string } | null;
}

/** Budgets, their settled spend per period, and their alerts. */
export class BudgetRepository {
  readonly #db: Kysely<BillingTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<BillingTables>(database.db);
  }

  async insert(row: BudgetRow): Promise<void> {
    await this.#db.insertInto("billing_budgets").values(row).execute();
  }

  get(id: string): Promise<BudgetRow | undefined> {
    return this.#db.selectFrom("billing_budgets").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async update(id: string, changes: Pick<BudgetRow, "limit_micros" | "updated_at">): Promise<void> {
    await this.#db.updateTable("billing_budgets").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("billing_budgets").where("id", "=", id).execute();
  }

  /** Budgets of the given teams, or all with `teamIds: null`; by scope, then period. */
  list(filter: { teamIds: readonly string[] | null }): Promise<BudgetRow[]> {
    let query = this.#db
      .selectFrom("billing_budgets")
      .selectAll()
      .orderBy("scope_kind")
      .orderBy("scope_id")
      .orderBy("id");
    if (filter.teamIds !== null) {
      if (!filter.teamIds.length) return Promise.resolve([]);
      query = query.where("team_id", "in", filter.teamIds);
    }
    return query.execute();
  }

  /** The budgets a call falls under: its user's, team's, key's, assistant's, widget's or bot's. */
  applicable(scopes: CallScopes): Promise<BudgetRow[]> {
    return this.#db
      .selectFrom("billing_budgets")
      .selectAll()
      .where((eb) => {
        const any: Expression<SqlBool>[] = [];
        if (scopes.userId)
          any.push(eb.and([eb("scope_kind", "=", "user"), eb("scope_id", "=", scopes.userId)]));
        if (scopes.teamId)
          any.push(eb.and([eb("scope_kind", "=", "team"), eb("scope_id", "=", scopes.teamId)]));
        if (scopes.apiKeyId)
          any.push(eb.and([eb("scope_kind", "=", "api_key"), eb("scope_id", "=", scopes.apiKeyId)]));
        if (scopes.assistantId)
          any.push(eb.and([eb("scope_kind", "=", "assistant"), eb("scope_id", "=", scopes.assistantId)]));
        if (scopes.channel)
          any.push(
            eb.and([eb("scope_kind", "=", scopes.channel.kind), eb("scope_id", "=", scopes.channel.id)]),
          );
        return eb.or(any);
      })
      .orderBy("id")
      .execute();
  }

  /** Settled spend of budget `budgetId` in the period starting at `start` (of one subject: '' for the whole scope). */
  async spent(db: Kysely<BillingTables>, budgetId: string, start: number, subject = ""): Promise<number> {
    const row = await db
      .selectFrom("billing_budget_spend")
      .select("spent_micros")
      .where("budget_id", "=", budgetId)
      .where("period_start", "=", start)
      .where("subject", "=", subject)
      .executeTakeFirst();
    return row ? row.spent_micros : 0;
  }

  /** {@link spent} outside any transaction. */
  spentNow(budgetId: string, start: number, subject = ""): Promise<number> {
    return this.spent(this.#db, budgetId, start, subject);
  }

  /**
   * Of many budgets at once, each in its own period: the subject that spent the most (for a
   * whole-scope budget, its one '' row) and how many spent, by budget id; a budget that spent
   * nothing in its period is absent. One query whatever the number of budgets (the list's), the
   * the subject with the most first, ties by subject.
   */
  async spendOf(periods: readonly { budgetId: string; start: number }[]): Promise<Map<string, SubjectSpend>> {
    const found = new Map<string, SubjectSpend>();
    if (!periods.length) return found;
    const byStart = Map.groupBy(periods, (p) => p.start);
    const ranked = this.#db
      .selectFrom("billing_budget_spend")
      .select((eb) => [
        "budget_id",
        "subject",
        "spent_micros",
        sql<number>`row_number() over (partition by budget_id order by spent_micros desc, subject)`.as(
          "rank",
        ),
        eb.fn
          .countAll<number | string>()
          .over((ob) => ob.partitionBy("budget_id"))
          .as("n"),
      ])
      .where((eb) =>
        eb.or(
          [...byStart].map(([start, budgets]) =>
            eb.and([
              eb("period_start", "=", start),
              eb(
                "budget_id",
                "in",
                budgets.map((b) => b.budgetId),
              ),
            ]),
          ),
        ),
      );
    const rows = await this.#db
      .selectFrom(ranked.as("ranked"))
      .select(["budget_id", "subject", "spent_micros", "n"])
      .where("rank", "=", 1)
      .execute();
    for (const row of rows)
      found.set(row.budget_id, {
        top: { subject: row.subject, spentMicros: row.spent_micros },
        count: Number(row.n),
      });
    return found;
  }

  /** Adds `micros` to a budget's spend (of one subject) in a period; answers the new total. */
  async addSpend(
    db: Kysely<BillingTables>,
    budgetId: string,
    start: number,
    micros: number,
    subject = "",
  ): Promise<number> {
    await db
      .insertInto("billing_budget_spend")
      .values({ budget_id: budgetId, period_start: start, subject, spent_micros: micros })
      .onConflict((oc) =>
        oc.columns(["budget_id", "period_start", "subject"]).doUpdateSet({
          spent_micros: sql<number>`billing_budget_spend.spent_micros + ${micros}`,
        }),
      )
      .execute();
    return this.spent(db, budgetId, start, subject);
  }

  /** Records an alert unless this threshold was already told for the budget's period. */
  async alertOnce(row: AlertRow): Promise<void> {
    await this.#db
      .insertInto("billing_alerts")
      .values(row)
      .onConflict((oc) => oc.columns(["budget_id", "period_start", "threshold"]).doNothing())
      .execute();
  }

  /** Alerts owned by the user or by one of the teams (every alert with `all`), newest first. */
  alerts(
    owner: { userId: string; teamIds: readonly string[]; all: boolean },
    limit: number,
  ): Promise<AlertRow[]> {
    let query = this.#db
      .selectFrom("billing_alerts")
      .selectAll()
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(limit);
    if (!owner.all)
      query = query.where((eb) =>
        eb.or([
          eb("owner_user_id", "=", owner.userId),
          ...(owner.teamIds.length ? [eb("owner_team_id", "in", owner.teamIds)] : []),
        ]),
      );
    return query.execute();
  }
}
