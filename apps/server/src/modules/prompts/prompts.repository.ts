import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type {
  PromptLabelRequestsTable,
  PromptLabelsTable,
  PromptsTable,
  PromptsTables,
  PromptVersionsTable,
} from "./prompts.tables.ts";

export type PromptRow = Selectable<PromptsTable>;
export type PromptVersionRow = Selectable<PromptVersionsTable>;
export type LabelRow = Selectable<PromptLabelsTable>;

/** All SQL of prompts, their versions and their labels. */
export class PromptRepository {
  readonly #db: Kysely<PromptsTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<PromptsTables>(database.db);
  }

  /** A prompt and its first version, together. */
  async insert(prompt: Insertable<PromptsTable>, version: Insertable<PromptVersionsTable>): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto("prompts").values(prompt).execute();
      await trx.insertInto("prompt_versions").values(version).execute();
    });
  }

  /**
   * Adds `version` and makes it current, when the prompt is still at `expected`.
   * @returns false when another version landed first.
   */
  async addVersion(
    expected: number,
    version: Insertable<PromptVersionsTable>,
    changes: Updateable<PromptsTable>,
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable("prompts")
        .set(changes)
        .where("id", "=", version.prompt_id)
        .where("current_version", "=", expected)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await trx.insertInto("prompt_versions").values(version).execute();
      return true;
    });
  }

  find(id: string): Promise<PromptRow | undefined> {
    return this.#db.selectFrom("prompts").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The prompts with `slug` in `teamIds`, oldest first. */
  findBySlug(slug: string, teamIds: readonly string[]): Promise<PromptRow[]> {
    if (!teamIds.length) return Promise.resolve([]);
    return this.#db
      .selectFrom("prompts")
      .selectAll()
      .where("slug", "=", slug)
      .where("team_id", "in", teamIds)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  findVersion(promptId: string, version: number): Promise<PromptVersionRow | undefined> {
    return this.#db
      .selectFrom("prompt_versions")
      .selectAll()
      .where("prompt_id", "=", promptId)
      .where("version", "=", version)
      .executeTakeFirst();
  }

  /** The current versions of `promptIds`. */
  async currentVersions(promptIds: readonly string[]): Promise<PromptVersionRow[]> {
    if (!promptIds.length) return [];
    return this.#db
      .selectFrom("prompt_versions as v")
      .innerJoin("prompts as p", (join) =>
        join.onRef("p.id", "=", "v.prompt_id").onRef("p.current_version", "=", "v.version"),
      )
      .selectAll("v")
      .where("v.prompt_id", "in", promptIds)
      .execute();
  }

  versions(promptId: string): Promise<PromptVersionRow[]> {
    return this.#db
      .selectFrom("prompt_versions")
      .selectAll()
      .where("prompt_id", "=", promptId)
      .orderBy("version", "desc")
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("prompts").where("id", "=", id).execute();
  }

  /** Prompts of `teamIds` (of one kind, if given), by name then id, after `after`. */
  list(options: {
    teamIds: readonly string[];
    kind?: string;
    after?: { name: string; id: string };
    limit: number;
  }): Promise<PromptRow[]> {
    if (!options.teamIds.length) return Promise.resolve([]);
    let query = this.#db
      .selectFrom("prompts")
      .selectAll()
      .where("team_id", "in", options.teamIds)
      .orderBy("name")
      .orderBy("id")
      .limit(options.limit);
    if (options.kind) query = query.where("kind", "=", options.kind);
    if (options.after) {
      const { name, id } = options.after;
      query = query.where((eb) =>
        eb.or([eb("name", ">", name), eb.and([eb("name", "=", name), eb("id", ">", id)])]),
      );
    }
    return query.execute();
  }

  labels(promptIds: readonly string[]): Promise<LabelRow[]> {
    if (!promptIds.length) return Promise.resolve([]);
    return this.#db
      .selectFrom("prompt_labels")
      .selectAll()
      .where("prompt_id", "in", promptIds)
      .orderBy("label")
      .execute();
  }

  findLabel(promptId: string, label: string): Promise<LabelRow | undefined> {
    return this.#db
      .selectFrom("prompt_labels")
      .selectAll()
      .where("prompt_id", "=", promptId)
      .where("label", "=", label)
      .executeTakeFirst();
  }

  /**
   * Creates or replaces a label; with `unlessProtected`, an existing label is replaced only if it
   * is not protected at that moment (one statement: a label protected meanwhile is left alone);
   * with `keepSplit`, an existing label keeps the versions it points at as the statement finds
   * them (a change of protection only never undoes a move that landed since the label was read).
   * @returns the label as written, or undefined when it was not.
   */
  async saveLabel(
    row: Insertable<PromptLabelsTable>,
    options: { unlessProtected?: boolean; keepSplit?: boolean } = {},
  ): Promise<LabelRow | undefined> {
    return this.#db
      .insertInto("prompt_labels")
      .values(row)
      .onConflict((oc) => {
        const update = oc.columns(["prompt_id", "label"]).doUpdateSet({
          ...(options.keepSplit ? {} : { split: row.split }),
          protected: row.protected,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        });
        return options.unlessProtected ? update.where(sql<boolean>`not prompt_labels.protected`) : update;
      })
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Marks the pending label change request `requestId` with `decided` and writes the label that
   * `build` makes of the label as it stands, in one transaction: when `build` throws (the label
   * is gone, say), the request stays pending and nothing is written.
   * With `keepSplit`, an existing label keeps the versions it points at as the statement finds them.
   * @returns the label written, or null when the request was no longer pending.
   */
  async approveLabelChange(
    requestId: string,
    decided: Updateable<PromptLabelRequestsTable>,
    target: { promptId: string; label: string; keepSplit: boolean },
    build: (existing: LabelRow | undefined) => Insertable<PromptLabelsTable>,
  ): Promise<LabelRow | null> {
    return this.#db.transaction().execute(async (trx) => {
      const marked = await trx
        .updateTable("prompt_label_requests")
        .set(decided)
        .where("id", "=", requestId)
        .where("status", "=", "pending")
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return null;
      const existing = await trx
        .selectFrom("prompt_labels")
        .selectAll()
        .where("prompt_id", "=", target.promptId)
        .where("label", "=", target.label)
        .executeTakeFirst();
      const row = build(existing);
      const saved = await trx
        .insertInto("prompt_labels")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["prompt_id", "label"]).doUpdateSet({
            ...(target.keepSplit ? {} : { split: row.split }),
            protected: row.protected,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return saved;
    });
  }

  /** Deletes a label unless it is protected. @returns whether it was deleted. */
  async deleteLabel(promptId: string, label: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom("prompt_labels")
      .where("prompt_id", "=", promptId)
      .where("label", "=", label)
      .where(sql<boolean>`not protected`)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
