import { sql, type Insertable, type Kysely, type Selectable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { GovernanceDecisionsTable, GovernanceTables } from "./governance.tables.ts";

export type DecisionRow = Selectable<GovernanceDecisionsTable>;

/** Who may see which decisions: teams seen whole, all organisation-level ones, or one's own. */
export interface DecisionScope {
  teamIds: readonly string[];
  orgWide: boolean;
  ownerId: string;
  /** A team-bound API key's team: its own calls count only there. */
  ownTeamId: string | null;
}

/** Filters of a decision query (all optional). */
export interface DecisionFilter {
  teamId?: string;
  ruleId?: string;
  action?: string;
  tier?: string;
  surface?: string;
  from?: number;
  to?: number;
}

const DAY_MS = 86_400_000;

/** All SQL of governance decisions. */
export class DecisionRepository {
  readonly #db: Kysely<GovernanceTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<GovernanceTables>(database.db);
  }

  async insert(rows: readonly Insertable<GovernanceDecisionsTable>[]): Promise<void> {
    if (rows.length)
      await this.#db
        .insertInto("governance_decisions")
        .values([...rows])
        .execute();
  }

  /** Newest first, after the (at, id) key `before`. */
  list(
    scope: DecisionScope,
    filter: DecisionFilter,
    options: { limit: number; before?: { at: number; id: string } },
  ): Promise<DecisionRow[]> {
    let query = this.#where(scope, filter)
      .selectAll()
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit);
    if (options.before) {
      const { at, id } = options.before;
      query = query.where((eb) => eb.or([eb("at", "<", at), eb.and([eb("at", "=", at), eb("id", "<", id)])]));
    }
    return query.execute();
  }

  /** Counts by UTC day and action, by rule, and by team. */
  async summary(
    scope: DecisionScope,
    filter: DecisionFilter,
  ): Promise<{
    byDay: { day: number; action: string; count: number }[];
    byRule: { ruleId: string; ruleName: string; count: number }[];
    byTeam: { teamId: string | null; count: number }[];
  }> {
    // Numbers on SQLite, strings (bigint) on PostgreSQL.
    // A literal, not a parameter: PostgreSQL groups by the expression only if both spell it alike.
    const day = sql<number | string>`at / ${sql.lit(DAY_MS)}`;
    const count = sql<number | string>`count(*)`;
    const [byDay, byRule, byTeam] = await Promise.all([
      this.#where(scope, filter)
        .select([day.as("day"), "action", count.as("count")])
        .groupBy([day, "action"])
        .orderBy(day)
        .execute(),
      this.#where(scope, filter)
        .select(["rule_id", sql<string>`max(rule_name)`.as("rule_name"), count.as("count")])
        .groupBy("rule_id")
        .orderBy(count, "desc")
        .limit(50)
        .execute(),
      this.#where(scope, filter)
        .select(["team_id", count.as("count")])
        .groupBy("team_id")
        .orderBy(count, "desc")
        .execute(),
    ]);
    return {
      byDay: byDay.map((r) => ({ day: Number(r.day), action: r.action, count: Number(r.count) })),
      byRule: byRule.map((r) => ({ ruleId: r.rule_id, ruleName: r.rule_name, count: Number(r.count) })),
      byTeam: byTeam.map((r) => ({ teamId: r.team_id, count: Number(r.count) })),
    };
  }

  #where(scope: DecisionScope, filter: DecisionFilter) {
    let query = this.#db.selectFrom("governance_decisions").where((eb) => {
      const own = eb("actor_id", "=", scope.ownerId);
      const seen = [scope.ownTeamId === null ? own : eb.and([own, eb("team_id", "=", scope.ownTeamId)])];
      if (scope.teamIds.length) seen.push(eb("team_id", "in", scope.teamIds));
      if (scope.orgWide) seen.push(eb("team_id", "is", null));
      return eb.or(seen);
    });
    if (filter.teamId !== undefined) query = query.where("team_id", "=", filter.teamId);
    if (filter.ruleId !== undefined) query = query.where("rule_id", "=", filter.ruleId);
    if (filter.action !== undefined) query = query.where("action", "=", filter.action);
    if (filter.tier !== undefined) query = query.where("tier", "=", filter.tier);
    if (filter.surface !== undefined) query = query.where("surface", "=", filter.surface);
    if (filter.from !== undefined) query = query.where("at", ">=", filter.from);
    if (filter.to !== undefined) query = query.where("at", "<", filter.to);
    return query;
  }
}
