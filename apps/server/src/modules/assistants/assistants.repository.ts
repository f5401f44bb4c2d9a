import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { KnowledgeTables } from "../knowledge/index.ts";
import type { AssistantsTable, AssistantsTables } from "./assistants.tables.ts";

type Tables = AssistantsTables & Pick<KnowledgeTables, "knowledge_bases">;

export type AssistantRow = Selectable<AssistantsTable>;

/** Where a knowledge base lives, as its access rule needs it. */
export interface KnowledgeBasePlace {
  id: string;
  ownerId: string;
  teamId: string | null;
}

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

async function attach(trx: Kysely<Tables>, assistantId: string, knowledgeBaseIds: readonly string[]) {
  if (!knowledgeBaseIds.length) return;
  await trx
    .insertInto("assistant_knowledge_bases")
    .values(
      knowledgeBaseIds.map((id, position) => ({
        assistant_id: assistantId,
        knowledge_base_id: id,
        position,
      })),
    )
    .execute();
}

/** All SQL of assistants (and the knowledge bases they attach, read through the knowledge module's tables). */
export class AssistantRepository {
  readonly #db: Kysely<Tables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<Tables>(database.db);
  }

  /** Inserts an assistant with its knowledge bases, in one transaction. */
  async insert(row: Insertable<AssistantsTable>, knowledgeBaseIds: readonly string[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto("assistants").values(row).execute();
      await attach(trx, row.id, knowledgeBaseIds);
    });
  }

  find(id: string): Promise<AssistantRow | undefined> {
    return this.#db.selectFrom("assistants").selectAll().where("id", "=", id).executeTakeFirst();
  }

  findBySlug(slug: string): Promise<AssistantRow | undefined> {
    return this.#db.selectFrom("assistants").selectAll().where("slug", "=", slug).executeTakeFirst();
  }

  /** Changes an assistant and, when given, replaces its knowledge bases, in one transaction. */
  async update(
    id: string,
    changes: Updateable<AssistantsTable>,
    knowledgeBaseIds?: readonly string[],
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable("assistants").set(changes).where("id", "=", id).execute();
      if (knowledgeBaseIds === undefined) return;
      await trx.deleteFrom("assistant_knowledge_bases").where("assistant_id", "=", id).execute();
      await attach(trx, id, knowledgeBaseIds);
    });
  }

  /** The knowledge bases of each assistant, in the order they were listed. */
  async knowledgeBaseIds(assistantIds: readonly string[]): Promise<Map<string, string[]>> {
    const byAssistant = new Map<string, string[]>(assistantIds.map((id) => [id, []]));
    if (!assistantIds.length) return byAssistant;
    const rows = await this.#db
      .selectFrom("assistant_knowledge_bases")
      .select(["assistant_id", "knowledge_base_id"])
      .where("assistant_id", "in", assistantIds)
      .orderBy("assistant_id")
      .orderBy("position")
      .execute();
    for (const row of rows) byAssistant.get(row.assistant_id)?.push(row.knowledge_base_id);
    return byAssistant;
  }

  /** Where these knowledge bases live (unknown ids are left out). */
  async knowledgeBasePlaces(ids: readonly string[]): Promise<KnowledgeBasePlace[]> {
    if (!ids.length) return [];
    const rows = await this.#db
      .selectFrom("knowledge_bases")
      .select(["id", "owner_id", "team_id"])
      .where("id", "in", ids)
      .execute();
    return rows.map((r) => ({ id: r.id, ownerId: r.owner_id, teamId: r.team_id }));
  }

  /** The knowledge bases of an assistant with where they live, in its order (one query per call). */
  async attachedPlaces(assistantId: string): Promise<KnowledgeBasePlace[]> {
    const rows = await this.#db
      .selectFrom("assistant_knowledge_bases as akb")
      .innerJoin("knowledge_bases as kb", "kb.id", "akb.knowledge_base_id")
      .select(["kb.id", "kb.owner_id", "kb.team_id"])
      .where("akb.assistant_id", "=", assistantId)
      .orderBy("akb.position")
      .execute();
    return rows.map((r) => ({ id: r.id, ownerId: r.owner_id, teamId: r.team_id }));
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
