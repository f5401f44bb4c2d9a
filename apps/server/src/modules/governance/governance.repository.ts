import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import { lockedTransaction } from "../../platform/db/locked-transaction.ts";
import type {
  GovernanceRulesTable,
  GovernanceRuleVersionsTable,
  GovernanceTables,
} from "./governance.tables.ts";

export type RuleRow = Selectable<GovernanceRulesTable>;
export type RuleVersionRow = Selectable<GovernanceRuleVersionsTable>;

/** The advisory lock space of installing the recommended rules in a scope ("gr"). */
const RECOMMENDED_LOCK_SPACE = 0x6772;

/** A rule to insert with its first version. */
export interface NewRule {
  rule: Insertable<GovernanceRulesTable>;
  version: Insertable<GovernanceRuleVersionsTable>;
}

/** All SQL of governance rules. */
export class RuleRepository {
  readonly #database: Pick<Database, "db" | "dialect">;
  readonly #db: Kysely<GovernanceTables>;
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#database = database;
    this.#db = tablesOf<GovernanceTables>(database.db);
  }

  /**
   * Inserts those of `rules` whose name is not taken yet in team `teamId` (organisation-wide:
   * null), as the only installer in that scope at the time: however many installs race, each
   * name is there once.
   * @returns the rules inserted.
   */
  insertMissing(teamId: string | null, rules: readonly NewRule[]): Promise<NewRule[]> {
    const lock = { space: RECOMMENDED_LOCK_SPACE, key: teamId === null ? "org" : `team:${teamId}` };
    return lockedTransaction(this.#database, lock, async (raw) => {
      const trx = tablesOf<GovernanceTables>(raw);
      let query = trx.selectFrom("governance_rules").select("name");
      query = teamId === null ? query.where("team_id", "is", null) : query.where("team_id", "=", teamId);
      const taken = new Set((await query.execute()).map((r) => r.name));
      const added: NewRule[] = [];
      for (const item of rules) {
        if (taken.has(item.rule.name)) continue;
        taken.add(item.rule.name);
        await trx.insertInto("governance_rules").values(item.rule).execute();
        await trx.insertInto("governance_rule_versions").values(item.version).execute();
        added.push(item);
      }
      return added;
    });
  }

  /** A rule and its first version, together. */
  async insert(
    rule: Insertable<GovernanceRulesTable>,
    version: Insertable<GovernanceRuleVersionsTable>,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto("governance_rules").values(rule).execute();
      await trx.insertInto("governance_rule_versions").values(version).execute();
    });
  }

  /**
   * Adds version `version.version` and makes it current, when the rule is still at `expected`.
   * @returns false when another version landed first (the primary key or the check refuses it).
   */
  async addVersion(
    expected: number,
    version: Insertable<GovernanceRuleVersionsTable>,
    changes: Updateable<GovernanceRulesTable>,
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("governance_rules")
        .set(changes)
        .where("id", "=", version.rule_id)
        .where("current_version", "=", expected)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await trx.insertInto("governance_rule_versions").values(version).execute();
      return true;
    });
  }

  find(id: string): Promise<RuleRow | undefined> {
    return this.#db.selectFrom("governance_rules").selectAll().where("id", "=", id).executeTakeFirst();
  }

  findVersion(ruleId: string, version: number): Promise<RuleVersionRow | undefined> {
    return this.#db
      .selectFrom("governance_rule_versions")
      .selectAll()
      .where("rule_id", "=", ruleId)
      .where("version", "=", version)
      .executeTakeFirst();
  }

  /** The current versions of `ruleIds`. */
  async currentVersions(ruleIds: readonly string[]): Promise<RuleVersionRow[]> {
    if (!ruleIds.length) return [];
    return this.#db
      .selectFrom("governance_rule_versions as v")
      .innerJoin("governance_rules as r", (join) =>
        join.onRef("r.id", "=", "v.rule_id").onRef("r.current_version", "=", "v.version"),
      )
      .selectAll("v")
      .where("v.rule_id", "in", ruleIds)
      .execute();
  }

  versions(ruleId: string): Promise<RuleVersionRow[]> {
    return this.#db
      .selectFrom("governance_rule_versions")
      .selectAll()
      .where("rule_id", "=", ruleId)
      .orderBy("version", "desc")
      .execute();
  }

  async update(id: string, changes: Updateable<GovernanceRulesTable>): Promise<void> {
    await this.#db.updateTable("governance_rules").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("governance_rules").where("id", "=", id).execute();
  }

  /** Rules of `teamIds` (and organisation-wide ones with `orgWide`), by name then id, after `after`. */
  list(options: {
    teamIds: readonly string[];
    orgWide: boolean;
    after?: { name: string; id: string };
    limit?: number;
  }): Promise<RuleRow[]> {
    if (!options.teamIds.length && !options.orgWide) return Promise.resolve([]);
    let query = this.#db
      .selectFrom("governance_rules")
      .selectAll()
      .where((eb) => {
        const places = [];
        if (options.teamIds.length) places.push(eb("team_id", "in", options.teamIds));
        if (options.orgWide) places.push(eb("team_id", "is", null));
        return eb.or(places);
      })
      .orderBy("name")
      .orderBy("id");
    if (options.limit !== undefined) query = query.limit(options.limit);
    if (options.after) {
      const { name, id } = options.after;
      query = query.where((eb) =>
        eb.or([eb("name", ">", name), eb.and([eb("name", "=", name), eb("id", ">", id)])]),
      );
    }
    return query.execute();
  }
}
