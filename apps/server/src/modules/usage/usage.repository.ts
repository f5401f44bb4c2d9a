import { sql, type Insertable, type Kysely, type RawBuilder } from "kysely";
import { AppendQueue } from "../../platform/db/group-commit.ts";
import type { IdentityTables } from "../identity/index.ts";
import type { UsageRecordsTable, UsageTables as Tables } from "./usage.tables.ts";

/**
 * The tables a report reads names from: identity's, and the assistants' names (read only, by id;
 * usage is built before the assistants module, and rows outlive an assistant).
 */
type NameTables = Pick<IdentityTables, "users" | "teams"> & {
  assistants: { id: string; name: string };
};

export const DAY_MS = 86_400_000;

/** Filters of an aggregation. */
export interface UsageFilter {
  from?: number;
  to?: number;
  userId?: string;
  teamId?: string;
  /** Only these teams' usage (a caller who may read some teams' usage, not all). */
  teamIds?: readonly string[];
  modelId?: string;
}

/** A raw aggregate row. */
export interface UsageAggregate {
  key: string | number | null;
  requests: number;
  failures: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number;
  /** Calls whose model had no price. */
  unpriced: number;
  ttft_sum: number | null;
  ttft_count: number;
  duration_sum: number;
}

/** Most rows inserted by one statement (19 parameters each). */
const MAX_BATCH = 200;

/** All SQL of metering. */
export class UsageRepository {
  readonly #db: Kysely<Tables>;
  readonly #names: Kysely<NameTables>;
  readonly #inserts: AppendQueue<Insertable<UsageRecordsTable>, true>;
  constructor(db: Kysely<Tables & NameTables>) {
    this.#db = db;
    this.#names = db;
    this.#inserts = new AppendQueue(async (rows) => {
      await this.#db.insertInto("usage_records").values(rows).execute();
      return rows.map(() => true as const);
    }, MAX_BATCH);
  }

  /**
   * Stores one row; rows recorded while an insert is running go together in the next one
   * (one commit for many calls under load).
   */
  async insert(row: Insertable<UsageRecordsTable>): Promise<void> {
    await this.#inserts.enqueue(row);
  }

  /**
   * Sums by one dimension. Days are `at / 86400000` in integer arithmetic, which both SQLite
   * and PostgreSQL evaluate the same way, so no date functions differ between dialects.
   */
  async aggregate(
    groupBy: "user" | "team" | "model" | "assistant" | "day" | "surface",
    filter: UsageFilter,
  ): Promise<UsageAggregate[]> {
    const keyExpr: RawBuilder<string | number | null> =
      groupBy === "user"
        ? sql<string | null>`user_id`
        : groupBy === "team"
          ? sql<string | null>`team_id`
          : groupBy === "model"
            ? sql<string>`model_id`
            : groupBy === "assistant"
              ? sql<string | null>`assistant_id`
              : groupBy === "surface"
                ? sql<string>`surface`
                : sql<number>`(at / ${sql.lit(DAY_MS)})`;
    let query = this.#db
      .selectFrom("usage_records")
      .select([
        keyExpr.as("key"),
        sql<number | string>`count(*)`.as("requests"),
        sql<number | string>`sum(case when outcome = 'failure' then 1 else 0 end)`.as("failures"),
        sql<number | string>`coalesce(sum(input_tokens), 0)`.as("input_tokens"),
        sql<number | string>`coalesce(sum(output_tokens), 0)`.as("output_tokens"),
        sql<number | string>`coalesce(sum(cost_micros), 0)`.as("cost_micros"),
        sql<number | string>`sum(case when priced = 0 then 1 else 0 end)`.as("unpriced"),
        sql<number | string | null>`sum(ttft_ms)`.as("ttft_sum"),
        sql<number | string>`count(ttft_ms)`.as("ttft_count"),
        sql<number | string>`coalesce(sum(duration_ms), 0)`.as("duration_sum"),
      ])
      .groupBy(keyExpr)
      .orderBy(keyExpr);
    if (filter.from !== undefined) query = query.where("at", ">=", filter.from);
    if (filter.to !== undefined) query = query.where("at", "<", filter.to);
    if (filter.userId) query = query.where("user_id", "=", filter.userId);
    if (filter.teamId) query = query.where("team_id", "=", filter.teamId);
    if (filter.teamIds) query = query.where("team_id", "in", filter.teamIds.length ? filter.teamIds : [""]);
    if (filter.modelId) query = query.where("model_id", "=", filter.modelId);
    const rows = await query.execute();
    return rows.map((r) => ({
      key: r.key,
      requests: Number(r.requests),
      failures: Number(r.failures),
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      cost_micros: Number(r.cost_micros),
      unpriced: Number(r.unpriced),
      ttft_sum: r.ttft_sum === null ? null : Number(r.ttft_sum),
      ttft_count: Number(r.ttft_count),
      duration_sum: Number(r.duration_sum),
    }));
  }

  /** What people read for report keys: users' "name <email>", teams' and assistants' names. */
  async labels(groupBy: "user" | "team" | "assistant", ids: readonly string[]): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    if (!ids.length) return labels;
    if (groupBy === "user") {
      const rows = await this.#names
        .selectFrom("users")
        .select(["id", "name", "email"])
        .where("id", "in", [...ids])
        .execute();
      for (const r of rows) labels.set(r.id, `${r.name} <${r.email}>`);
    } else if (groupBy === "assistant") {
      const rows = await this.#names
        .selectFrom("assistants")
        .select(["id", "name"])
        .where("id", "in", [...ids])
        .execute();
      for (const r of rows) labels.set(r.id, r.name);
    } else {
      const rows = await this.#names
        .selectFrom("teams")
        .select(["id", "name"])
        .where("id", "in", [...ids])
        .execute();
      for (const r of rows) labels.set(r.id, r.name);
    }
    return labels;
  }
}
