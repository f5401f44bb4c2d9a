import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from "kysely";
import { fts5AllPrefixes, tsqueryAllPrefixes } from "../../db/full-text.ts";
import { tablesOf, type Database, type MigrationDialect } from "../../platform/db/database.ts";
import type { GuideTasksTable, GuideTemplatesTable, GuidesTable, GuidesTables } from "./guides.tables.ts";

export type GuideRow = Selectable<GuidesTable>;
export type TaskRow = Selectable<GuideTasksTable>;
export type TemplateRow = Selectable<GuideTemplatesTable>;
export type NewGuide = Omit<Insertable<GuidesTable>, "search_rowid">;

/** The cursor of guide lists: the last row's change time and id (newest first). */
export interface GuideCursor {
  updatedAt: number;
  id: string;
}

/** What a guide list filters by. */
export interface GuideFilter {
  teamIds: readonly string[];
  projectId?: string;
  status?: string;
  tag?: string;
  ownerId?: string;
  /** Words to find in title, description or content (all of them, each also as a prefix). */
  words?: readonly string[];
  includeArchived: boolean;
  after?: GuideCursor;
  limit: number;
}

/** Inserts of many rows go in slices of this many (SQLite's bound-parameter limit). */
const INSERT_SLICE = 200;

/** A guide locked for one change: reads and writes in one transaction that holds its row. */
export class LockedGuide {
  readonly #trx: Kysely<GuidesTables>;
  readonly row: GuideRow;
  constructor(trx: Kysely<GuidesTables>, row: GuideRow) {
    this.#trx = trx;
    this.row = row;
  }

  tasks(): Promise<TaskRow[]> {
    return tasksOf(this.#trx, this.row.id);
  }

  tags(): Promise<string[]> {
    return tagsOf(this.#trx, this.row.id);
  }

  async update(changes: Updateable<GuidesTable>): Promise<void> {
    await this.#trx.updateTable("guides").set(changes).where("id", "=", this.row.id).execute();
  }

  /** Replaces every task of the guide (after an edit of its markdown). */
  async replaceTasks(tasks: readonly Insertable<GuideTasksTable>[]): Promise<void> {
    await this.#trx.deleteFrom("guide_tasks").where("guide_id", "=", this.row.id).execute();
    await insertTasks(this.#trx, tasks);
  }

  async updateTask(id: string, changes: Updateable<GuideTasksTable>): Promise<void> {
    await this.#trx
      .updateTable("guide_tasks")
      .set(changes.done === undefined ? changes : { ...changes, done: changes.done ? 1 : 0 })
      .where("id", "=", id)
      .where("guide_id", "=", this.row.id)
      .execute();
  }

  async setTags(tags: readonly string[]): Promise<void> {
    await this.#trx.deleteFrom("guide_tags").where("guide_id", "=", this.row.id).execute();
    if (tags.length)
      await this.#trx
        .insertInto("guide_tags")
        .values(tags.map((tag) => ({ guide_id: this.row.id, tag })))
        .execute();
  }
}

/** All SQL of guides, their tasks and tags, and teams' guide templates. */
export class GuideRepository {
  readonly #db: Kysely<GuidesTables>;
  readonly #dialect: MigrationDialect;
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#db = tablesOf<GuidesTables>(database.db);
    this.#dialect = database.dialect;
  }

  /** Stores a new guide with its tags and tasks, all or nothing. */
  async insert(guide: NewGuide, tags: readonly string[], tasks: readonly Insertable<GuideTasksTable>[]) {
    await this.#db.transaction().execute(async (trx) => {
      if (this.#dialect === "sqlite") {
        // One writer on SQLite: the next free number cannot race.
        const { last } = await trx
          .selectFrom("guides")
          .select((eb) => eb.fn.max("search_rowid").as("last"))
          .executeTakeFirstOrThrow();
        await trx
          .insertInto("guides")
          .values({ ...guide, search_rowid: (last ?? 0) + 1 })
          .execute();
      } else {
        await trx.insertInto("guides").values(guide).execute();
      }
      if (tags.length)
        await trx
          .insertInto("guide_tags")
          .values(tags.map((tag) => ({ guide_id: guide.id, tag })))
          .execute();
      await insertTasks(trx, tasks);
    });
  }

  find(id: string): Promise<GuideRow | undefined> {
    return this.#db.selectFrom("guides").selectAll().where("id", "=", id).executeTakeFirst();
  }

  tasks(guideId: string): Promise<TaskRow[]> {
    return tasksOf(this.#db, guideId);
  }

  tags(guideId: string): Promise<string[]> {
    return tagsOf(this.#db, guideId);
  }

  /** The tags of several guides, by guide id. */
  async tagsOf(guideIds: readonly string[]): Promise<Map<string, string[]>> {
    const byGuide = new Map<string, string[]>();
    if (!guideIds.length) return byGuide;
    const rows = await this.#db
      .selectFrom("guide_tags")
      .select(["guide_id", "tag"])
      .where("guide_id", "in", guideIds)
      .orderBy("tag")
      .execute();
    for (const row of rows) byGuide.set(row.guide_id, [...(byGuide.get(row.guide_id) ?? []), row.tag]);
    return byGuide;
  }

  /**
   * Runs `change` on guide `id` with its row locked until the transaction ends (PostgreSQL:
   * `FOR UPDATE`; SQLite has one writer), so that concurrent changes of one guide queue instead
   * of overwriting each other. Resolves to undefined when there is no such guide.
   */
  async locked<T>(id: string, change: (guide: LockedGuide) => Promise<T>): Promise<T | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      let query = trx.selectFrom("guides").selectAll().where("id", "=", id);
      if (this.#dialect === "postgres") query = query.forUpdate();
      const row = await query.executeTakeFirst();
      return row ? change(new LockedGuide(trx, row)) : undefined;
    });
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("guides").where("id", "=", id).execute();
  }

  /** A page of guides, newest change first, after `after`. */
  list(filter: GuideFilter): Promise<GuideRow[]> {
    if (!filter.teamIds.length) return Promise.resolve([]);
    let query = this.#db
      .selectFrom("guides")
      .selectAll("guides")
      .where("guides.team_id", "in", filter.teamIds)
      .orderBy("guides.updated_at", "desc")
      .orderBy("guides.id", "desc")
      .limit(filter.limit);
    if (!filter.includeArchived) query = query.where("guides.archived_at", "is", null);
    if (filter.projectId) query = query.where("guides.project_id", "=", filter.projectId);
    if (filter.status) query = query.where("guides.status", "=", filter.status);
    if (filter.ownerId) query = query.where("guides.owner_id", "=", filter.ownerId);
    if (filter.tag) {
      const tag = filter.tag;
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom("guide_tags")
            .select("guide_tags.tag")
            .whereRef("guide_tags.guide_id", "=", "guides.id")
            .where((e) => e(e.fn("lower", ["guide_tags.tag"]), "=", tag.toLowerCase())),
        ),
      );
    }
    if (filter.words?.length) {
      const words = filter.words;
      if (this.#dialect === "postgres") {
        query = query.where(
          sql<boolean>`guides.search @@ to_tsquery('simple', ${tsqueryAllPrefixes(words)})`,
        );
      } else {
        query = query.where(
          sql<boolean>`guides.search_rowid in (select rowid from guides_fts where guides_fts match ${fts5AllPrefixes(words)})`,
        );
      }
    }
    if (filter.after) {
      const { updatedAt, id } = filter.after;
      query = query.where((eb) =>
        eb.or([
          eb("guides.updated_at", "<", updatedAt),
          eb.and([eb("guides.updated_at", "=", updatedAt), eb("guides.id", "<", id)]),
        ]),
      );
    }
    return query.execute();
  }

  /** Guides of `teamIds` changed at or after `since` (an event stream catching up). */
  changedSince(teamIds: readonly string[], since: number, limit: number): Promise<GuideRow[]> {
    if (!teamIds.length) return Promise.resolve([]);
    return this.#db
      .selectFrom("guides")
      .selectAll()
      .where("team_id", "in", teamIds)
      .where("updated_at", ">=", since)
      .orderBy("updated_at", "desc")
      .limit(limit)
      .execute();
  }

  /**
   * The finished tasks of a team's guides that had an estimate and a measured duration: what
   * calibration learns from. The most recent `limit`.
   */
  measuredTasks(
    teamId: string,
    limit: number,
  ): Promise<{ guide_id: string; estimate_minutes: number; started_at: number; completed_at: number }[]> {
    return this.#db
      .selectFrom("guide_tasks")
      .innerJoin("guides", "guides.id", "guide_tasks.guide_id")
      .select([
        "guide_tasks.guide_id",
        "guide_tasks.estimate_minutes",
        "guide_tasks.started_at",
        "guide_tasks.completed_at",
      ])
      .where("guides.team_id", "=", teamId)
      .where("guide_tasks.estimate_minutes", "is not", null)
      .where("guide_tasks.started_at", "is not", null)
      .where("guide_tasks.completed_at", "is not", null)
      .orderBy("guide_tasks.completed_at", "desc")
      .limit(limit)
      .execute() as Promise<
      { guide_id: string; estimate_minutes: number; started_at: number; completed_at: number }[]
    >;
  }

  /** A team's guides with at least one estimated task, newest change first. */
  estimatedGuides(teamId: string, limit: number): Promise<GuideRow[]> {
    return this.#db
      .selectFrom("guides")
      .selectAll()
      .where("team_id", "=", teamId)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("guide_tasks")
            .select("guide_tasks.id")
            .whereRef("guide_tasks.guide_id", "=", "guides.id")
            .where("guide_tasks.estimate_minutes", "is not", null),
        ),
      )
      .orderBy("updated_at", "desc")
      .limit(limit)
      .execute();
  }

  async insertTemplate(row: Insertable<GuideTemplatesTable>): Promise<void> {
    await this.#db.insertInto("guide_templates").values(row).execute();
  }

  findTemplate(id: string): Promise<TemplateRow | undefined> {
    return this.#db.selectFrom("guide_templates").selectAll().where("id", "=", id).executeTakeFirst();
  }

  templates(teamIds: readonly string[]): Promise<TemplateRow[]> {
    if (!teamIds.length) return Promise.resolve([]);
    return this.#db
      .selectFrom("guide_templates")
      .selectAll()
      .where("team_id", "in", teamIds)
      .orderBy("name")
      .orderBy("id")
      .limit(500)
      .execute();
  }

  async updateTemplate(id: string, changes: Updateable<GuideTemplatesTable>): Promise<void> {
    await this.#db.updateTable("guide_templates").set(changes).where("id", "=", id).execute();
  }

  async deleteTemplate(id: string): Promise<void> {
    await this.#db.deleteFrom("guide_templates").where("id", "=", id).execute();
  }
}

function tasksOf(db: Kysely<GuidesTables>, guideId: string): Promise<TaskRow[]> {
  return db
    .selectFrom("guide_tasks")
    .selectAll()
    .where("guide_id", "=", guideId)
    .orderBy("position")
    .execute();
}

async function tagsOf(db: Kysely<GuidesTables>, guideId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("guide_tags")
    .select("tag")
    .where("guide_id", "=", guideId)
    .orderBy("tag")
    .execute();
  return rows.map((r) => r.tag);
}

async function insertTasks(db: Kysely<GuidesTables>, tasks: readonly Insertable<GuideTasksTable>[]) {
  for (let i = 0; i < tasks.length; i += INSERT_SLICE)
    await db
      .insertInto("guide_tasks")
      // SQLite binds no booleans: 1 and 0 suit both dialects.
      .values(tasks.slice(i, i + INSERT_SLICE).map((t) => ({ ...t, done: t.done ? 1 : 0 })))
      .execute();
}
