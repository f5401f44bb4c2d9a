import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { WidgetsTable, WidgetsTables } from "./widgets.tables.ts";

export type WidgetRow = Selectable<WidgetsTable>;

/** All SQL of widgets. */
export class WidgetRepository {
  readonly #db: Kysely<WidgetsTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<WidgetsTables>(database.db);
  }

  async insert(row: Insertable<WidgetsTable>): Promise<void> {
    await this.#db.insertInto("widgets").values(row).execute();
  }

  find(id: string): Promise<WidgetRow | undefined> {
    return this.#db.selectFrom("widgets").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The widget whose current public key is `key` (a rotated-away key finds nothing). */
  findByKey(key: string): Promise<WidgetRow | undefined> {
    return this.#db.selectFrom("widgets").selectAll().where("public_key", "=", key).executeTakeFirst();
  }

  /** The widgets of these teams (optionally of one assistant), by name. */
  list(teamIds: readonly string[], assistantId?: string): Promise<WidgetRow[]> {
    if (!teamIds.length) return Promise.resolve([]);
    let query = this.#db.selectFrom("widgets").selectAll().where("team_id", "in", teamIds);
    if (assistantId) query = query.where("assistant_id", "=", assistantId);
    return query.orderBy("name").orderBy("id").limit(500).execute();
  }

  async update(id: string, changes: Updateable<WidgetsTable>): Promise<void> {
    await this.#db.updateTable("widgets").set(changes).where("id", "=", id).execute();
  }

  /**
   * Bumps a version counter (key or secret) from `from` to `from + 1` with its other changes, only
   * if no one else did in between; false when someone did (the caller reads again).
   */
  async bump(
    id: string,
    column: "key_version" | "secret_version",
    from: number,
    changes: Updateable<WidgetsTable>,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable("widgets")
      .set({ ...changes, [column]: from + 1 })
      .where("id", "=", id)
      .where(column, "=", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("widgets").where("id", "=", id).execute();
  }
}
