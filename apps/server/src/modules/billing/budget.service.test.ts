import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Budget } from "@parley/contracts";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createTestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import type { Principal } from "../../kernel/principal.ts";
import { systemContext, type RequestContext } from "../../kernel/request-context.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, tablesOf, type DatabaseTarget } from "../../platform/db/database.ts";
import type { BillingTables } from "./billing.tables.ts";
import { BudgetRepository } from "./budget.repository.ts";
import { BudgetService } from "./budget.service.ts";
import { LedgerRepository } from "./ledger.repository.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function target(dialect: "sqlite" | "postgres"): Promise<DatabaseTarget> {
  if (dialect === "sqlite")
    return { dialect, file: join(mkdtempSync(join(tmpdir(), "parley-budgets-")), "p.db") };
  const pgdb = await createTestPostgres();
  cleanups.push(() => pgdb.drop());
  return { dialect, url: pgdb.url, poolSize: 4 };
}

/**
 * Counts the queries run through the Kysely instance it is plugged into: one result each
 * (`transformQuery` would count a subquery too, as it is built).
 */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs) {
    this.count += 1;
    return Promise.resolve(args.result);
  }
}

const admin: Principal = {
  kind: "user",
  userId: "u-admin",
  email: "admin@parley.test",
  globalRole: "admin",
  teams: new Map(),
};
const ctx: RequestContext = { ...systemContext, system: false, principal: admin };
/** Sunday 6 December 2026, noon UTC: the day, week (from Monday 30 November) and month differ. */
const NOW = Date.UTC(2026, 11, 6, 12);
const DAY = Date.UTC(2026, 11, 6);
const WEEK = Date.UTC(2026, 10, 30);
const MONTH = Date.UTC(2026, 11, 1);

async function serviceOn(dialect: "sqlite" | "postgres") {
  const database = openDatabase(await target(dialect));
  cleanups.unshift(() => database.close());
  await migrateToLatest(database);
  const counter = new QueryCounter();
  const counted = { db: database.db.withPlugin(counter), dialect: database.dialect };
  const budgets = new BudgetRepository(counted);
  const service = new BudgetService({
    budgets,
    ledger: new LedgerRepository(counted),
    audit: { record: () => Promise.resolve() },
    clock: new ManualClock(NOW),
    owners: () => Promise.resolve(null),
  });
  const db = tablesOf<BillingTables>(database.db);
  /** A budget with its settled spend ([period start, subject, micros]) and holds ([target suffix, micros, live]). */
  const seed = async (
    id: string,
    budget: { kind: string; period: string; per?: string },
    spend: [number, string, number][] = [],
    holds: [string, number, boolean][] = [],
  ) => {
    await budgets.insert({
      id,
      scope_kind: budget.kind,
      scope_id: `${budget.kind}-${id}`,
      team_id: null,
      period: budget.period,
      per: budget.per ?? "",
      limit_micros: 1_000_000,
      created_by: null,
      created_at: NOW,
      updated_at: NOW,
    });
    for (const [start, subject, micros] of spend)
      await db
        .insertInto("billing_budget_spend")
        .values({ budget_id: id, period_start: start, subject, spent_micros: micros })
        .execute();
    for (const [suffix, micros, live] of holds)
      await db
        .insertInto("billing_holds")
        .values({
          id: `h-${id}-${suffix}-${micros}`,
          reservation_id: `r-${id}`,
          target: suffix === "" ? `budget:${id}` : `budget:${id}:${suffix}`,
          amount_micros: micros,
          expires_at: live ? NOW + 60_000 : NOW - 1,
        })
        .execute();
  };
  return { service, counter, seed };
}

/** Five budgets, one of each case the list tells apart, prefixed with `p`. */
async function seedCases(seed: Awaited<ReturnType<typeof serviceOn>>["seed"], p: string) {
  // A whole scope's: this day's spend only, live holds only.
  await seed(
    `${p}1`,
    { kind: "user", period: "day" },
    [
      [DAY, "", 300],
      [DAY - 86_400_000, "", 999],
    ],
    [
      ["", 100, true],
      ["", 50, false],
    ],
  );
  // Nothing spent, nothing held.
  await seed(`${p}2`, { kind: "team", period: "month" });
  // Per visitor: the top spender (ties by subject), how many spent this week, the top one's holds.
  await seed(
    `${p}3`,
    { kind: "widget", period: "week", per: "visitor" },
    [
      [WEEK, "v_a", 200],
      [WEEK, "v_c", 500],
      [WEEK, "v_b", 500],
      [WEEK - 7 * 86_400_000, "v_z", 9_999],
    ],
    [
      ["v_b", 70, true],
      ["v_a", 40, true],
      ["", 11, true],
    ],
  );
  // Per IP, nothing settled yet: no subject stands out, so nothing held is shown.
  await seed(`${p}4`, { kind: "widget", period: "month", per: "ip" }, [], [["ip:x", 30, true]]);
  // Per Telegram chat, one spent this month.
  await seed(`${p}5`, { kind: "bot", period: "month", per: "visitor" }, [[MONTH, "c_1", 10]]);
}

/** What the list answers of the five cases, as budget id → [spent, held, subjects, period start]. */
function expected(p: string): Record<string, [number, number, number | null, number]> {
  return {
    [`${p}1`]: [300, 100, null, DAY],
    [`${p}2`]: [0, 0, null, MONTH],
    [`${p}3`]: [500, 70, 3, WEEK],
    [`${p}4`]: [0, 0, 0, MONTH],
    [`${p}5`]: [10, 0, 1, MONTH],
  };
}

const summary = (items: Budget[]) =>
  Object.fromEntries(
    items.map((b) => [b.id, [b.spentMicros, b.heldMicros, b.subjects, Date.parse(b.periodStart)]]),
  );

describe.each(["sqlite", "postgres"] as const)("the budget list (%s)", (dialect) => {
  it("answers each budget's period spend, holds and subjects as reading it alone does, in a fixed number of queries", async () => {
    const { service, counter, seed } = await serviceOn(dialect);
    await seedCases(seed, "a");
    counter.count = 0;
    const first = await service.list({}, ctx);
    const fewQueries = counter.count;
    expect(summary(first.items)).toEqual(expected("a"));
    // Each budget read alone (`get`) answers the same.
    for (const item of first.items) expect(await service.get(item.id, ctx)).toEqual(item);

    // Twice the budgets: not one query more.
    await seedCases(seed, "b");
    counter.count = 0;
    const second = await service.list({}, ctx);
    expect(counter.count).toBe(fewQueries);
    expect(fewQueries).toBe(3);
    expect(summary(second.items)).toEqual({ ...expected("a"), ...expected("b") });
  });
});
