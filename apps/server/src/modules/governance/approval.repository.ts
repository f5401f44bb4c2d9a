import type { Insertable, Kysely, Selectable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type {
  GovernanceApprovalsTable,
  GovernanceDecisionsTable,
  GovernanceTables,
} from "./governance.tables.ts";

export type ApprovalRow = Selectable<GovernanceApprovalsTable>;

/** Who sees which approval requests: teams' (approvers there), organisation-level ones, one's own. */
export interface ApprovalScope {
  teamIds: readonly string[];
  orgWide: boolean;
  requesterId: string;
  /** A team-bound API key's team: its own requests count only there. */
  ownTeamId: string | null;
}

/** All SQL of approval requests. */
export class ApprovalRepository {
  readonly #db: Kysely<GovernanceTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<GovernanceTables>(database.db);
  }

  /** A request and the decisions that filed it (the hold), together: neither exists without the other. */
  async insert(
    row: Insertable<GovernanceApprovalsTable>,
    decisions: readonly Insertable<GovernanceDecisionsTable>[],
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto("governance_approvals").values(row).execute();
      if (decisions.length)
        await trx
          .insertInto("governance_decisions")
          .values([...decisions])
          .execute();
    });
  }

  /** Pending requests whose time ran out at `now`, the longest overdue first. */
  overdue(now: number, limit: number): Promise<ApprovalRow[]> {
    return this.#db
      .selectFrom("governance_approvals")
      .selectAll()
      .where("status", "=", "pending")
      .where("expires_at", "<=", now)
      .orderBy("expires_at")
      .orderBy("id")
      .limit(limit)
      .execute();
  }

  find(id: string): Promise<ApprovalRow | undefined> {
    return this.#db.selectFrom("governance_approvals").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * Moves a pending request to `status`, if it is still pending (and, for a decision, not yet
   * expired at `now`). @returns whether this call decided it.
   */
  async decide(
    id: string,
    change: { status: string; decided_by: string | null; decided_at: number; decision_reason: string | null },
    now: number,
    options: { expiring: boolean },
  ): Promise<boolean> {
    let query = this.#db
      .updateTable("governance_approvals")
      .set(change)
      .where("id", "=", id)
      .where("status", "=", "pending");
    query = options.expiring ? query.where("expires_at", "<=", now) : query.where("expires_at", ">", now);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Newest first, after the (created_at, id) key `before`. */
  list(
    scope: ApprovalScope,
    filter: { status?: string; teamId?: string },
    options: { limit: number; before?: { at: number; id: string } },
  ): Promise<ApprovalRow[]> {
    let query = this.#db
      .selectFrom("governance_approvals")
      .selectAll()
      .where((eb) => {
        const own = eb("requester_id", "=", scope.requesterId);
        const seen = [scope.ownTeamId === null ? own : eb.and([own, eb("team_id", "=", scope.ownTeamId)])];
        if (scope.teamIds.length) seen.push(eb("team_id", "in", scope.teamIds));
        if (scope.orgWide) seen.push(eb("team_id", "is", null));
        return eb.or(seen);
      })
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit);
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    if (filter.teamId !== undefined) query = query.where("team_id", "=", filter.teamId);
    if (options.before) {
      const { at, id } = options.before;
      query = query.where((eb) =>
        eb.or([eb("created_at", "<", at), eb.and([eb("created_at", "=", at), eb("id", "<", id)])]),
      );
    }
    return query.execute();
  }
}
