import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ProjectsTable, ProjectsTables } from "./projects.tables.ts";

export type ProjectRow = Selectable<ProjectsTable>;

/** `%text%` for a LIKE with `\` as its escape character, lower-cased. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`).toLowerCase()}%`;
}

/** All SQL of projects. */
export class ProjectRepository {
  readonly #db: Kysely<ProjectsTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<ProjectsTables>(database.db);
  }

  async insert(row: Insertable<ProjectsTable>): Promise<void> {
    await this.#db.insertInto("projects").values(row).execute();
  }

  find(id: string): Promise<ProjectRow | undefined> {
    return this.#db.selectFrom("projects").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Whether another project of the team than `exceptId` has this name, ignoring case. */
  async nameTaken(teamId: string, name: string, exceptId?: string): Promise<boolean> {
    let query = this.#db
      .selectFrom("projects")
      .select("id")
      .where("team_id", "=", teamId)
      .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()));
    if (exceptId) query = query.where("id", "!=", exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async update(id: string, changes: Updateable<ProjectsTable>): Promise<void> {
    await this.#db.updateTable("projects").set(changes).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("projects").where("id", "=", id).execute();
  }

  /** A page of the projects of `teamIds`, by name then id, after `after`. */
  list(options: {
    teamIds: readonly string[];
    includeArchived: boolean;
    q?: string;
    after?: { name: string; id: string };
    limit: number;
  }): Promise<ProjectRow[]> {
    if (!options.teamIds.length) return Promise.resolve([]);
    let query = this.#db
      .selectFrom("projects")
      .selectAll()
      .where("team_id", "in", options.teamIds)
      .orderBy("name")
      .orderBy("id")
      .limit(options.limit);
    if (!options.includeArchived) query = query.where("archived_at", "is", null);
    if (options.q) {
      const pattern = containing(options.q);
      query = query.where((eb) => eb(eb.fn("lower", ["name"]), "like", sql<string>`${pattern} escape '\\'`));
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
