import type { Role } from "@parley/contracts";
import type { Kysely, Selectable } from "kysely";
import type { Tables } from "../../db/schema.ts";
import type { UsersTable } from "./identity.tables.ts";
import { IdentityChanges } from "./identity-changes.ts";

export type UserRow = Selectable<UsersTable>;

/** A unique-constraint violation, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return (
    e?.code === "23505" ||
    e?.code === "SQLITE_CONSTRAINT_UNIQUE" ||
    e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

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

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return row ? Number(String(row.n)) : 0;
  }

  async insert(row: UserRow): Promise<void> {
    await this.#db.insertInto("users").values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<UserRow, "id">>): Promise<void> {
    await this.#db.updateTable("users").set(patch).where("id", "=", id).execute();
    this.#changes.bump();
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
