import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { AssistantsTable, AssistantsTables as Tables } from "./assistants.tables.ts";

export type AssistantRow = Selectable<AssistantsTable>;

/** Who may be shown assistants: the caller's own, and the team-visible ones of these teams. */
export interface AssistantScope {
  ownerId: string;
  /** Teams whose team-visible assistants the caller may read. */
  teamIds: string[];
  /** Whether the caller's personal assistants count (false for a team-bound key). */
  personal: boolean;
  /** The teams whose assistants the caller owns and may read (private ones included). */
  ownTeamIds: string[];
}

/** All SQL of assistants. */
export class AssistantRepository {
  readonly #db: Kysely<Tables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<Tables>(database.db);
  }

  async insert(row: Insertable<AssistantsTable>): Promise<void> {
    await this.#db.insertInto("assistants").values(row).execute();
  }

  find(id: string): Promise<AssistantRow | undefined> {
    return this.#db.selectFrom("assistants").selectAll().where("id", "=", id).executeTakeFirst();
  }

  findBySlug(slug: string): Promise<AssistantRow | undefined> {
    return this.#db.selectFrom("assistants").selectAll().where("slug", "=", slug).executeTakeFirst();
  }

  async update(id: string, changes: Updateable<AssistantsTable>): Promise<void> {
    await this.#db.updateTable("assistants").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom("assistants").where("id", "=", id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** A page of what `scope` may see, by name then id, after `after` (`name`, `id`). */
  list(options: {
    scope: AssistantScope;
    teamId?: string;
    q?: string;
    after?: { name: string; id: string };
    limit: number;
  }): Promise<AssistantRow[]> {
    const { scope } = options;
    let query = this.#db
      .selectFrom("assistants")
      .selectAll()
      .orderBy("name")
      .orderBy("id")
      .limit(options.limit)
      .where((eb) =>
        eb.or([
          ...(scope.personal
            ? [eb.and([eb("owner_id", "=", scope.ownerId), eb("team_id", "is", null)])]
            : []),
          ...(scope.ownTeamIds.length
            ? [eb.and([eb("owner_id", "=", scope.ownerId), eb("team_id", "in", scope.ownTeamIds)])]
            : []),
          ...(scope.teamIds.length
            ? [eb.and([eb("visibility", "=", "team"), eb("team_id", "in", scope.teamIds)])]
            : []),
          // Nothing at all for a caller who may read none.
          sql<boolean>`1 = 0`,
        ]),
      );
    if (options.teamId) query = query.where("team_id", "=", options.teamId);
    if (options.q) {
      const pattern = `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`).toLowerCase()}%`;
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn("lower", ["name"]), "like", sql<string>`${pattern} escape '\\'`),
          eb(eb.fn("lower", ["description"]), "like", sql<string>`${pattern} escape '\\'`),
        ]),
      );
    }
    if (options.after) {
      const { name, id } = options.after;
      query = query.where((eb) =>
        eb.or([eb("name", ">", name), eb.and([eb("name", "=", name), eb("id", ">", id)])]),
      );
    }
    return query.execute();
  }
}
