import type { Insertable, Kysely, Selectable, Updateable } from "kysely";
import type { ModelSettingsTable, ProvidersTable, ProvidersTables as Tables } from "./providers.tables.ts";

export type ProviderRow = Selectable<ProvidersTable>;
export type ModelSettingsRow = Selectable<ModelSettingsTable>;

/** All SQL of the providers module: API-created providers and per-model overrides. */
export class ProvidersRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  listProviders(): Promise<ProviderRow[]> {
    return this.#db.selectFrom("providers").selectAll().orderBy("id").execute();
  }

  findProvider(id: string): Promise<ProviderRow | undefined> {
    return this.#db.selectFrom("providers").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** @throws the driver's unique violation (see `isUniqueViolation`) when the id is taken. */
  async insertProvider(row: Insertable<ProvidersTable>): Promise<void> {
    await this.#db.insertInto("providers").values(row).execute();
  }

  /** @returns whether the provider existed. */
  async updateProvider(id: string, changes: Updateable<ProvidersTable>): Promise<boolean> {
    const result = await this.#db
      .updateTable("providers")
      .set(changes)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes the provider and its models' overrides. @returns whether it existed. */
  async deleteProvider(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom("model_settings").where("provider_id", "=", id).execute();
      const result = await trx.deleteFrom("providers").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  listModelSettings(): Promise<ModelSettingsRow[]> {
    return this.#db.selectFrom("model_settings").selectAll().execute();
  }

  findModelSettings(providerId: string, model: string): Promise<ModelSettingsRow | undefined> {
    return this.#db
      .selectFrom("model_settings")
      .selectAll()
      .where("provider_id", "=", providerId)
      .where("model", "=", model)
      .executeTakeFirst();
  }

  /** Inserts or replaces the overrides of one model. */
  async upsertModelSettings(row: Insertable<ModelSettingsTable>): Promise<void> {
    const { provider_id: _p, model: _m, ...changes } = row;
    await this.#db
      .insertInto("model_settings")
      .values(row)
      .onConflict((oc) => oc.columns(["provider_id", "model"]).doUpdateSet(changes))
      .execute();
  }
}
