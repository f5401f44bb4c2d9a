import type { Insertable, Kysely, Selectable } from "kysely";
import type { ApiKeysTable, IdentityTables as Tables, RefreshTokensTable } from "./identity.tables.ts";
import { IdentityChanges } from "./identity-changes.ts";

export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;

/** All SQL about refresh-token families and API keys. */
export class CredentialRepository {
  readonly #db: Kysely<Tables>;
  readonly #changes: IdentityChanges;
  constructor(db: Kysely<Tables>, changes = new IdentityChanges()) {
    this.#db = db;
    this.#changes = changes;
  }

  async insertRefreshToken(row: RefreshTokenRow): Promise<void> {
    await this.#db.insertInto("refresh_tokens").values(row).execute();
  }

  findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    return this.#db
      .selectFrom("refresh_tokens")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
  }

  /**
   * Marks a token used, in one atomic statement (correct across pods and concurrent requests):
   * true for its first use, and for a repeat presented within `graceMs` of that first use (parallel
   * refreshes of one token, as tabs or retries send them); false when it was revoked or first used
   * longer ago than that, which the caller treats as theft of the family. A repeat keeps the
   * first use's time, so the window never extends.
   */
  async markRefreshTokenUsed(id: string, now: number, graceMs = 0): Promise<boolean> {
    const result = await this.#db
      .updateTable("refresh_tokens")
      .set((eb) => ({ used_at: eb.fn.coalesce("used_at", eb.val(now)) }))
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("used_at", "is", null), eb("used_at", ">=", now - graceMs)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    await this.#db
      .updateTable("refresh_tokens")
      .set({ revoked_at: now })
      .where("family_id", "=", familyId)
      .where("revoked_at", "is", null)
      .execute();
    this.#changes.bump();
  }

  async revokeAllOfUser(userId: string, now: number): Promise<void> {
    await this.#db
      .updateTable("refresh_tokens")
      .set({ revoked_at: now })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
    this.#changes.bump();
  }

  /**
   * The user's refresh tokens that are neither revoked nor expired, newest first: each session
   * (family) is among them as long as it is active.
   */
  activeTokensOf(userId: string, now: number): Promise<RefreshTokenRow[]> {
    return this.#db
      .selectFrom("refresh_tokens")
      .selectAll()
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .orderBy("created_at", "desc")
      .execute();
  }

  /**
   * Revokes every active session of the user but `keep` (none when null).
   * @returns how many sessions (families) were ended.
   */
  async revokeOtherFamilies(userId: string, keep: string | null, now: number): Promise<number> {
    const revoked = await this.#db
      .updateTable("refresh_tokens")
      .set({ revoked_at: now })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .$if(keep !== null, (q) => q.where("family_id", "!=", keep ?? ""))
      .returning("family_id")
      .execute();
    this.#changes.bump();
    return new Set(revoked.map((r) => r.family_id)).size;
  }

  /** Whether the session (family) still has an unrevoked, unexpired token. */
  async isFamilyActive(familyId: string, now: number): Promise<boolean> {
    const row = await this.#db
      .selectFrom("refresh_tokens")
      .select("id")
      .where("family_id", "=", familyId)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insertApiKey(row: Insertable<ApiKeysTable>): Promise<void> {
    await this.#db.insertInto("api_keys").values(row).execute();
  }

  findApiKey(id: string): Promise<ApiKeyRow | undefined> {
    return this.#db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
  }

  listApiKeys(userId: string): Promise<ApiKeyRow[]> {
    return this.#db
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc")
      .execute();
  }

  async revokeApiKey(id: string, now: number): Promise<void> {
    await this.#db
      .updateTable("api_keys")
      .set({ revoked_at: now })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .execute();
    this.#changes.bump();
  }

  async touchApiKey(id: string, now: number): Promise<void> {
    await this.#db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", id).execute();
  }
}
