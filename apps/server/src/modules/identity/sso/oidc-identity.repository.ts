import type { Kysely } from "kysely";
import type { IdentityTables as Tables } from "../identity.tables.ts";

/** All SQL about the links between OpenID Connect identities (issuer + subject) and users. */
export class OidcIdentityRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  /** The user the identity `subject` at `issuer` is linked to, if any. */
  async findUserId(issuer: string, subject: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom("oidc_identities")
      .select("user_id")
      .where("issuer", "=", issuer)
      .where("subject", "=", subject)
      .executeTakeFirst();
    return row?.user_id;
  }

  /** Links the identity to `userId`; a link that exists already is kept as it is. */
  async link(issuer: string, subject: string, userId: string, now: number): Promise<void> {
    await this.#db
      .insertInto("oidc_identities")
      .values({ issuer, subject, user_id: userId, created_at: now })
      .onConflict((oc) => oc.columns(["issuer", "subject"]).doNothing())
      .execute();
  }
}
