import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { PromptCallsTable, PromptLabelRequestsTable, PromptsTables } from "./prompts.tables.ts";

export type LabelRequestRow = Selectable<PromptLabelRequestsTable>;

/** One version's totals, as summed by the database. */
export interface VersionTotals {
  version: number;
  calls: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  thumbsUp: number;
  thumbsDown: number;
}

/** All SQL of label change requests and of the calls made with persona versions. */
export class PromptActivityRepository {
  readonly #db: Kysely<PromptsTables>;
  constructor(database: Pick<Database, "db">) {
    this.#db = tablesOf<PromptsTables>(database.db);
  }

  async insertRequest(row: Insertable<PromptLabelRequestsTable>): Promise<void> {
    await this.#db.insertInto("prompt_label_requests").values(row).execute();
  }

  findRequest(id: string): Promise<LabelRequestRow | undefined> {
    return this.#db.selectFrom("prompt_label_requests").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /**
   * Decides a pending request.
   * @returns false when it was no longer pending (decided by someone else meanwhile).
   */
  async decide(id: string, changes: Updateable<PromptLabelRequestsTable>): Promise<boolean> {
    const updated = await this.#db
      .updateTable("prompt_label_requests")
      .set(changes)
      .where("id", "=", id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** Requests of `teamIds` (of one prompt, if given) with `status`, oldest first. */
  requests(options: {
    teamIds: readonly string[];
    promptId?: string;
    status: string;
  }): Promise<LabelRequestRow[]> {
    if (!options.teamIds.length) return Promise.resolve([]);
    let query = this.#db
      .selectFrom("prompt_label_requests")
      .selectAll()
      .where("team_id", "in", options.teamIds)
      .where("status", "=", options.status)
      .orderBy("created_at")
      .orderBy("id")
      .limit(500);
    if (options.promptId) query = query.where("prompt_id", "=", options.promptId);
    return query.execute();
  }

  async insertCall(row: Insertable<PromptCallsTable>): Promise<void> {
    await this.#db.insertInto("prompt_calls").values(row).execute();
  }

  /**
   * Adds `up` and `down` (negative: taken back) to the thumbs of the calls that produced chat
   * answer `messageId`, in the statement itself, so concurrent changes all count.
   */
  async addThumbs(messageId: string, up: number, down: number): Promise<void> {
    await this.#db
      .updateTable("prompt_calls")
      .set((eb) => ({
        thumbs_up: eb("thumbs_up", "+", up),
        thumbs_down: eb("thumbs_down", "+", down),
      }))
      .where("message_id", "=", messageId)
      .execute();
  }

  /** Totals per version of the calls made with prompt `promptId`. */
  async totals(promptId: string): Promise<VersionTotals[]> {
    const rows = await this.#db
      .selectFrom("prompt_calls")
      .select((eb) => [
        "version",
        eb.fn.countAll<number | string>().as("calls"),
        eb.fn
          .sum<number | string>(eb.case().when("outcome", "=", "failure").then(1).else(0).end())
          .as("failures"),
        eb.fn.sum<number | string>("input_tokens").as("input_tokens"),
        eb.fn.sum<number | string>("output_tokens").as("output_tokens"),
        eb.fn.sum<number | string>("cost_micros").as("cost_micros"),
        eb.fn.sum<number | string>("thumbs_up").as("thumbs_up"),
        eb.fn.sum<number | string>("thumbs_down").as("thumbs_down"),
      ])
      .where("prompt_id", "=", promptId)
      .groupBy("version")
      .orderBy("version")
      .execute();
    // PostgreSQL answers sums and counts of bigints as strings.
    return rows.map((r) => ({
      version: r.version,
      calls: Number(r.calls),
      failures: Number(r.failures),
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      costMicros: Number(r.cost_micros),
      thumbsUp: Number(r.thumbs_up),
      thumbsDown: Number(r.thumbs_down),
    }));
  }
}
