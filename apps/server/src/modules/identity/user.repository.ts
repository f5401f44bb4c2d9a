import type { Role } from "@parley/contracts";
import type { Kysely, Selectable } from "kysely";
import type { IdentityTables as Tables, UsersTable } from "./identity.tables.ts";
import { IdentityChanges } from "./identity-changes.ts";

export type UserRow = Selectable<UsersTable>;

/** All SQL about users and their team memberships. */
export class UserRepository {
  readonly #db: Kysely<Tables>;
  readonly #changes: IdentityChanges;
  constructor(db: Kysely<Tables>, changes = new IdentityChanges()) {
    this.#db = db;
    this.#changes = changes;
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.#db
      .selectFrom("users")
      .selectAll()
      .where("email", "=", email.toLowerCase())
      .executeTakeFirst();
  }

  /**
   * Inserts an account and, in the same transaction, marks first-run setup as done when it is not
   * yet. With `claimSetup`, the account is inserted only if this call is the one that marks it: of
   * concurrent callers (on any pod) exactly one wins the `setup_claim` primary key.
   * @returns false when `claimSetup` was asked and setup was already claimed (nothing written).
   * @throws the driver's unique violation when the email is taken (see `isUniqueViolation`).
   */
  async insert(row: UserRow, options: { claimSetup?: boolean } = {}): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const claim = await trx
        .insertInto("setup_claim")
        .values({ slot: 1, user_id: row.id, claimed_at: row.created_at })
        .onConflict((oc) => oc.column("slot").doNothing())
        .executeTakeFirst();
      if (options.claimSetup && Number(claim.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      await trx.insertInto("users").values(row).execute();
      return true;
    });
  }

  /** Whether first-run setup is done (an account was created since the installation began). */
  async isSetupClaimed(): Promise<boolean> {
    const row = await this.#db.selectFrom("setup_claim").select("slot").executeTakeFirst();
    return row !== undefined;
  }

  async update(id: string, patch: Partial<Omit<UserRow, "id">>): Promise<void> {
    await this.#db.updateTable("users").set(patch).where("id", "=", id).execute();
    this.#changes.bump();
  }

  /**
   * Deletes the account; the database removes or detaches what refers to it (see the confirmation
   * the web app shows, written from the foreign keys). @returns whether it existed.
   */
  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
    this.#changes.bump();
    return Number(result.numDeletedRows) > 0;
  }

  /** Users ordered by email, after `afterEmail`, optionally matching `q` in email or name. */
  list(options: { q?: string; afterEmail?: string; limit: number; userIds?: string[] }): Promise<UserRow[]> {
    let query = this.#db.selectFrom("users").selectAll().orderBy("email").limit(options.limit);
    if (options.q) {
      const like = `%${options.q.toLowerCase().replace(/[%_\\]/g, "\\$&")}%`;
      query = query.where((eb) =>
        eb.or([eb("email", "like", like), eb(eb.fn("lower", ["name"]), "like", like)]),
      );
    }
    if (options.afterEmail) query = query.where("email", ">", options.afterEmail);
    if (options.userIds) query = query.where("id", "in", options.userIds.length ? options.userIds : ["-"]);
    return query.execute();
  }

  /** The user's teams with their role in each. */
  memberships(userId: string): Promise<{ teamId: string; name: string; slug: string; role: Role }[]> {
    return this.#db
      .selectFrom("memberships")
      .innerJoin("teams", "teams.id", "memberships.team_id")
      .select(["teams.id as teamId", "teams.name as name", "teams.slug as slug", "memberships.role as role"])
      .where("memberships.user_id", "=", userId)
      .orderBy("teams.name")
      .execute() as Promise<{ teamId: string; name: string; slug: string; role: Role }[]>;
  }
}
