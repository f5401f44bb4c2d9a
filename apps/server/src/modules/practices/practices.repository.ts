import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ProjectsTables } from "../projects/index.ts";
import type { PracticesTable, PracticesTables, PracticeVersionsTable } from "./practices.tables.ts";

export type PracticeRow = Selectable<PracticesTable>;
export type PracticeVersionRow = Selectable<PracticeVersionsTable>;
/** A practice with its current version's body. */
export type CurrentPracticeRow = PracticeRow & { body: string };

/** Which practices of a team: all, the team-wide ones (`null`), or one project's. */
export type PracticeScope = { teamIds: readonly string[]; projectId?: string | null };

/** All SQL of practices (and the one read of projects it needs: a project's team). */
export class PracticeRepository {
  readonly #db: Kysely<PracticesTables & ProjectsTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<PracticesTables & ProjectsTables>(database.db);
  }

  /** A practice and its first version, together. */
  async insert(
    practice: Insertable<PracticesTable>,
    version: Insertable<PracticeVersionsTable>,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto("practices").values(practice).execute();
      await trx.insertInto("practice_versions").values(version).execute();
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

  /** How many practices the team keeps. */
  async count(teamId: string): Promise<number> {
    const row = await this.#db
      .selectFrom("practices")
      .select((eb) => eb.fn.countAll<string | number>().as("n"))
      .where("team_id", "=", teamId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The position after the last practice of the scope (0 when it has none). */
  async nextPosition(teamId: string, projectId: string | null): Promise<number> {
    let query = this.#db
      .selectFrom("practices")
      .select((eb) => eb.fn.max<number | null>("position").as("last"))
      .where("team_id", "=", teamId);
    query =
      projectId === null ? query.where("project_id", "is", null) : query.where("project_id", "=", projectId);
    const row = await query.executeTakeFirst();
    return row?.last == null ? 0 : row.last + 1;
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
   * become distinct). At either end it stays where it is.
   */
  async move(
    row: Pick<PracticeRow, "id" | "team_id" | "project_id">,
    step: -1 | 1,
    now: number,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
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

  async update(id: string, changes: Updateable<PracticesTable>): Promise<void> {
    await this.#db.updateTable("practices").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("practices").where("id", "=", id).execute();
  }
}
