import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import { lockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { ProjectsTables } from "../projects/index.ts";
import type { PracticesTable, PracticesTables, PracticeVersionsTable } from "./practices.tables.ts";

export type PracticeRow = Selectable<PracticesTable>;
export type PracticeVersionRow = Selectable<PracticeVersionsTable>;
/** A practice with its current version's body. */
export type CurrentPracticeRow = PracticeRow & { body: string };

/** Which practices of a team: all, the team-wide ones (`null`), or one project's. */
export type PracticeScope = { teamIds: readonly string[]; projectId?: string | null };

type Tables = PracticesTables & ProjectsTables;

/**
 * The advisory lock space of a team's practices ("pr"): creations (the per-team limit, the next
 * position) and moves of one team run one at a time, in every process.
 */
const TEAM_LOCK_SPACE = 0x7072;

/** All SQL of practices (and the one read of projects it needs: a project's team). */
export class PracticeRepository {
  readonly #database: Pick<Database, "db" | "dialect">;
  readonly #db: Kysely<Tables>;
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#database = database;
    this.#db = tablesOf<Tables>(database.db);
  }

  /**
   * Inserts a practice and its first version if its team keeps fewer than `limit` practices, at
   * `practice.position` or (null) after the last of its scope. Counted, placed and inserted as
   * the only change of the team's practices at the time, so racing creations never pass the limit.
   * @returns the practice's position, or null (nothing inserted) when the team is at the limit.
   */
  async insertWithin(
    limit: number,
    practice: Omit<Insertable<PracticesTable>, "position"> & { position: number | null },
    version: Insertable<PracticeVersionsTable>,
  ): Promise<number | null> {
    return this.#teamLocked(practice.team_id, async (trx) => {
      const counted = await trx
        .selectFrom("practices")
        .select((eb) => eb.fn.countAll<string | number>().as("n"))
        .where("team_id", "=", practice.team_id)
        .executeTakeFirstOrThrow();
      if (Number(counted.n) >= limit) return null;
      const position =
        practice.position ?? (await nextPosition(trx, practice.team_id, practice.project_id ?? null));
      await trx
        .insertInto("practices")
        .values({ ...practice, position })
        .execute();
      await trx.insertInto("practice_versions").values(version).execute();
      return position;
    });
  }

  /**
   * Adds version `version.version` and makes it current, when the practice is still at `expected`.
   * @returns false when another version landed first.
   */
  async addVersion(
    expected: number,
    version: Insertable<PracticeVersionsTable>,
    changes: Updateable<PracticesTable>,
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("practices")
        .set(changes)
        .where("id", "=", version.practice_id)
        .where("current_version", "=", expected)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await trx.insertInto("practice_versions").values(version).execute();
      return true;
    });
  }

  find(id: string): Promise<PracticeRow | undefined> {
    return this.#db.selectFrom("practices").selectAll().where("id", "=", id).executeTakeFirst();
  }

  findVersion(practiceId: string, version: number): Promise<PracticeVersionRow | undefined> {
    return this.#db
      .selectFrom("practice_versions")
      .selectAll()
      .where("practice_id", "=", practiceId)
      .where("version", "=", version)
      .executeTakeFirst();
  }

  versions(practiceId: string): Promise<PracticeVersionRow[]> {
    return this.#db
      .selectFrom("practice_versions")
      .selectAll()
      .where("practice_id", "=", practiceId)
      .orderBy("version", "desc")
      .execute();
  }

  /**
   * Practices of `teamIds` with their current bodies, by team, then team-wide before projects,
   * then position; `enabledOnly` for what AI calls get.
   */
  async list(scope: PracticeScope & { enabledOnly?: boolean }): Promise<CurrentPracticeRow[]> {
    if (!scope.teamIds.length) return [];
    let query = this.#db
      .selectFrom("practices as p")
      .innerJoin("practice_versions as v", (join) =>
        join.onRef("v.practice_id", "=", "p.id").onRef("v.version", "=", "p.current_version"),
      )
      .selectAll("p")
      .select("v.body")
      .where("p.team_id", "in", scope.teamIds)
      .orderBy("p.team_id")
      .orderBy("p.position")
      .orderBy("p.created_at")
      .orderBy("p.id");
    if (scope.projectId === null) query = query.where("p.project_id", "is", null);
    else if (scope.projectId !== undefined) query = query.where("p.project_id", "=", scope.projectId);
    const rows = await query.execute();
    // 1/0 on SQLite, a boolean on PostgreSQL: compared here rather than in two SQL spellings.
    return scope.enabledOnly ? rows.filter((r) => Boolean(r.enabled)) : rows;
  }

  /** The team of project `projectId`, or undefined when there is no such project. */
  async projectTeam(projectId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom("projects")
      .select("team_id")
      .where("id", "=", projectId)
      .executeTakeFirst();
    return row?.team_id;
  }

  /**
   * Moves practice `row` one place earlier (`-1`) or later (`1`) in its scope and numbers the
   * scope 0, 1, … in its new order, in one transaction (positions that were tied or had gaps
   * become distinct). At either end it stays where it is. Moves of one team run one at a time,
   * each reading the order the previous one left.
   */
  async move(
    row: Pick<PracticeRow, "id" | "team_id" | "project_id">,
    step: -1 | 1,
    now: number,
  ): Promise<void> {
    await this.#teamLocked(row.team_id, async (trx) => {
      let query = trx
        .selectFrom("practices")
        .select(["id", "position"])
        .where("team_id", "=", row.team_id)
        .orderBy("position")
        .orderBy("created_at")
        .orderBy("id");
      query =
        row.project_id === null
          ? query.where("project_id", "is", null)
          : query.where("project_id", "=", row.project_id);
      const scope = await query.execute();
      const at = scope.findIndex((p) => p.id === row.id);
      const to = at + step;
      if (at === -1 || to < 0 || to >= scope.length) return;
      const order = scope.map((p) => p.id);
      [order[at], order[to]] = [order[to] ?? row.id, order[at] ?? row.id];
      for (const [position, id] of order.entries())
        if (scope[position]?.id !== id || scope[position].position !== position)
          await trx
            .updateTable("practices")
            .set({ position, updated_at: now })
            .where("id", "=", id)
            .execute();
    });
  }

  /** Runs `fn` in a transaction holding the lock of team `teamId`'s practices. */
  #teamLocked<T>(teamId: string, fn: (trx: Kysely<Tables>) => Promise<T>): Promise<T> {
    return lockedTransaction(this.#database, { space: TEAM_LOCK_SPACE, key: teamId }, (raw) =>
      fn(tablesOf<Tables>(raw)),
    );
  }

  async update(id: string, changes: Updateable<PracticesTable>): Promise<void> {
    await this.#db.updateTable("practices").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("practices").where("id", "=", id).execute();
  }
}

/** The position after the last practice of the scope (0 when it has none). */
async function nextPosition(db: Kysely<Tables>, teamId: string, projectId: string | null): Promise<number> {
  let query = db
    .selectFrom("practices")
    .select((eb) => eb.fn.max<number | null>("position").as("last"))
    .where("team_id", "=", teamId);
  query =
    projectId === null ? query.where("project_id", "is", null) : query.where("project_id", "=", projectId);
  const row = await query.executeTakeFirst();
  return row?.last == null ? 0 : row.last + 1;
}
