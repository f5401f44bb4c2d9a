import type { JsonColumn } from "../../db/json.ts";

/** A user account. `email` is stored lower-cased. */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  /** argon2id hash; null for accounts that only sign in through SSO. */
  password_hash: string | null;
  global_role: string;
  status: string;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

/**
 * The claim of first-run setup: at most one row (`slot` = 1), written with the first account.
 * Its primary key is what lets exactly one of several concurrent setups succeed.
 */
export interface SetupClaimTable {
  slot: number;
  /** The account whose creation ended setup. */
  user_id: string;
  claimed_at: number;
}

export interface TeamsTable {
  id: string;
  name: string;
  slug: string;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  team_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

export interface InvitationsTable {
  id: string;
  team_id: string;
  email: string | null;
  role: string;
  token_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  accepted_by: string | null;
  revoked_at: number | null;
}

/** One refresh token; tokens of one sign-in share a `family_id`. */
export interface RefreshTokensTable {
  id: string;
  family_id: string;
  user_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  /** Set when the token was exchanged for the next one; a second use revokes the family. */
  used_at: number | null;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  team_id: string | null;
  name: string;
  key_hash: string;
  /** JSON array of permission strings (see `db/json.ts`). */
  permissions: JsonColumn;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A one-time password reset link (its token stored hashed). */
export interface PasswordResetsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface OidcIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: number;
}

/** Kysely types of the identity module's tables. */
export interface IdentityTables {
  users: UsersTable;
  teams: TeamsTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
  oidc_identities: OidcIdentitiesTable;
  setup_claim: SetupClaimTable;
  password_resets: PasswordResetsTable;
}
