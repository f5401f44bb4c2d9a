import type { Kysely, Selectable } from "kysely";
import type { IdentityTables as Tables, InvitationsTable, TeamsTable } from "./identity.tables.ts";
import { IdentityChanges } from "./identity-changes.ts";

export type TeamRow = Selectable<TeamsTable>;
export type InvitationRow = Selectable<InvitationsTable>;

/** A member row joined with the user. */
export interface MemberRow {
  userId: string;
  email: string;
  name: string;
  role: string;
  joinedAt: number;
}

/** All SQL about teams, memberships and invitations. */
export class TeamRepository {
  readonly #db: Kysely<Tables>;
  readonly #changes: IdentityChanges;
  constructor(db: Kysely<Tables>, changes = new IdentityChanges()) {
    this.#db = db;
    this.#changes = changes;
  }

  findById(id: string): Promise<TeamRow | undefined> {
    return this.#db.selectFrom("teams").selectAll().where("id", "=", id).executeTakeFirst();
  }

  findBySlug(slug: string): Promise<TeamRow | undefined> {
    return this.#db.selectFrom("teams").selectAll().where("slug", "=", slug).executeTakeFirst();
  }

  /** Teams by name; only `teamIds` when given (a non-admin sees its own teams). */
  list(options: { teamIds?: string[]; afterSlug?: string; limit: number; q?: string }): Promise<TeamRow[]> {
    let query = this.#db.selectFrom("teams").selectAll().orderBy("slug").limit(options.limit);
    if (options.teamIds) query = query.where("id", "in", options.teamIds.length ? options.teamIds : ["-"]);
    if (options.afterSlug) query = query.where("slug", ">", options.afterSlug);
    if (options.q)
      query = query.where("slug", "like", `%${options.q.toLowerCase().replace(/[%_\\]/g, "\\$&")}%`);
    return query.execute();
  }

  async insert(row: TeamRow): Promise<void> {
    await this.#db.insertInto("teams").values(row).execute();
  }

  async update(id: string, patch: Partial<Omit<TeamRow, "id">>): Promise<void> {
    await this.#db.updateTable("teams").set(patch).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.#db.deleteFrom("teams").where("id", "=", id).execute();
    this.#changes.bump();
  }

  members(teamId: string): Promise<MemberRow[]> {
    return this.#db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .select([
        "users.id as userId",
        "users.email as email",
        "users.name as name",
        "memberships.role as role",
        "memberships.created_at as joinedAt",
      ])
      .where("memberships.team_id", "=", teamId)
      .orderBy("users.email")
      .execute();
  }

  findMember(teamId: string, userId: string): Promise<{ role: string } | undefined> {
    return this.#db
      .selectFrom("memberships")
      .select("role")
      .where("team_id", "=", teamId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
  }

  /** Adds the member or changes the role of an existing one. */
  async upsertMember(teamId: string, userId: string, role: string, now: number): Promise<void> {
    await this.#db
      .insertInto("memberships")
      .values({ team_id: teamId, user_id: userId, role, created_at: now })
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doUpdateSet({ role }))
      .execute();
    this.#changes.bump();
  }

  /** True when a membership was removed. */
  async removeMember(teamId: string, userId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom("memberships")
      .where("team_id", "=", teamId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    this.#changes.bump();
    return Number(result.numDeletedRows) > 0;
  }

  async insertInvitation(row: InvitationRow): Promise<void> {
    await this.#db.insertInto("invitations").values(row).execute();
  }

  findInvitationByHash(tokenHash: string): Promise<InvitationRow | undefined> {
    return this.#db
      .selectFrom("invitations")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
  }

  /**
   * Gives back an invitation that `claimant` took but could not use (its account could not be
   * created); a no-op when someone else holds it.
   */
  async releaseInvitation(id: string, claimant: string): Promise<void> {
    await this.#db
      .updateTable("invitations")
      .set({ accepted_at: null, accepted_by: null })
      .where("id", "=", id)
      .where("accepted_by", "=", claimant)
      .execute();
  }

  /** Records the account that used an invitation `claimant` took for it. */
  async setInvitationAcceptor(id: string, claimant: string, userId: string): Promise<void> {
    await this.#db
      .updateTable("invitations")
      .set({ accepted_by: userId })
      .where("id", "=", id)
      .where("accepted_by", "=", claimant)
      .execute();
  }

  /**
   * Takes the invitation for `userId` unless it was taken, revoked or has expired meanwhile; true
   * when this call took it (one conditional update: a revoke racing an accept cannot both win).
   */
  async acceptInvitation(id: string, userId: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("invitations")
      .set({ accepted_at: now, accepted_by: userId })
      .where("id", "=", id)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The team's invitations that can still be accepted, newest first. */
  openInvitations(teamId: string, now: number): Promise<InvitationRow[]> {
    return this.#db
      .selectFrom("invitations")
      .selectAll()
      .where("team_id", "=", teamId)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .orderBy("created_at", "desc")
      .execute();
  }

  /** Revokes an open invitation of the team: its row, or undefined when there is no such open one. */
  revokeInvitation(teamId: string, id: string, now: number): Promise<InvitationRow | undefined> {
    return this.#db
      .updateTable("invitations")
      .set({ revoked_at: now })
      .where("id", "=", id)
      .where("team_id", "=", teamId)
      .where("accepted_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
  }
}
