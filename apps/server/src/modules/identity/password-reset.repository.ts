import type { Kysely, Selectable } from "kysely";
import type { IdentityTables as Tables, PasswordResetsTable } from "./identity.tables.ts";

export type PasswordResetRow = Selectable<PasswordResetsTable>;

/** All SQL about one-time password reset links. */
export class PasswordResetRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** Stores a new link and retires the account's older unused ones, so only the newest works. */
  async replace(row: PasswordResetRow): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable("password_resets")
        .set({ revoked_at: row.created_at })
        .where("user_id", "=", row.user_id)
        .where("used_at", "is", null)
        .where("revoked_at", "is", null)
        .execute();
      await trx.insertInto("password_resets").values(row).execute();
    });
  }

  findByHash(tokenHash: string): Promise<PasswordResetRow | undefined> {
    return this.#db
      .selectFrom("password_resets")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
  }

  /**
   * Spends the link in one conditional update: of any number of concurrent uses (on any pod),
   * exactly one sees `true`; a used, retired or expired link is never spent.
   */
  async spend(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("password_resets")
      .set({ used_at: now })
      .where("id", "=", id)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
