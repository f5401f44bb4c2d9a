import { z } from "zod";
import { Permission, Role } from "./permissions.ts";
import { defineTopic } from "./topics.ts";

const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: "must be an email address" }))
  .transform((e) => e.toLowerCase());
const Password = z.string().min(1).max(1024);
const Id = z.string().min(1).max(100);

/** `POST /api/v1/auth/login`. */
export const LoginRequest = z.strictObject({ email: Email, password: Password }).meta({ id: "LoginRequest" });
export type LoginRequest = z.infer<typeof LoginRequest>;

/** A user as the API shows it. Never includes credentials. */
export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    globalRole: Role,
    status: z.enum(["active", "disabled"]),
    createdAt: z.iso.datetime(),
    lastLoginAt: z.iso.datetime().nullable(),
    hasPassword: z.boolean(),
  })
  .meta({ id: "User" });
export type User = z.infer<typeof User>;

/** Tokens of a session; also set as httpOnly cookies for the web app. */
export const SessionTokens = z
  .object({
    accessToken: z.string(),
    accessTokenExpiresAt: z.iso.datetime(),
    refreshToken: z.string(),
    refreshTokenExpiresAt: z.iso.datetime(),
    /** Echo it in `x-csrf-token` on unsafe requests that authenticate with cookies. */
    csrfToken: z.string(),
    user: User,
  })
  .meta({ id: "SessionTokens" });
export type SessionTokens = z.infer<typeof SessionTokens>;

/** `POST /api/v1/auth/refresh` and `/logout`: the token in the body, or the cookie. */
export const RefreshRequest = z.strictObject({ refreshToken: z.string().min(1).max(512).optional() });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

/** Password rules: long enough to resist guessing, short enough to hash cheaply. */
export const NewPassword = z
  .string()
  .min(12, "must be at least 12 characters")
  .max(256, "must be at most 256 characters");

/** `POST /api/v1/users`. */
export const CreateUserRequest = z
  .strictObject({
    email: Email,
    name: z.string().trim().min(1).max(200),
    password: NewPassword.optional(),
    globalRole: Role.default("developer"),
  })
  .meta({ id: "CreateUserRequest" });
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

/** `PATCH /api/v1/users/{id}`. */
export const UpdateUserRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    globalRole: Role.optional(),
    status: z.enum(["active", "disabled"]).optional(),
    password: NewPassword.optional(),
  })
  .meta({ id: "UpdateUserRequest" });
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

/** A list page with an opaque cursor for the next one. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
/** The type of a `pageOf(item)` answer. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
/** The type of a list answer without pages (`{ items }`). */
export interface ItemList<T> {
  items: T[];
}

/** Cursor pagination and search of list endpoints. */
export const ListQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const IdParams = z.strictObject({ id: Id });

/** A team. */
export const Team = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    createdAt: z.iso.datetime(),
    role: Role.nullable(),
  })
  .meta({ id: "Team" });
export type Team = z.infer<typeof Team>;

export const Slug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "must be lowercase letters, digits and dashes (1-48)");

export const CreateTeamRequest = z
  .strictObject({ name: z.string().trim().min(1).max(120), slug: Slug.optional() })
  .meta({ id: "CreateTeamRequest" });
export type CreateTeamRequest = z.infer<typeof CreateTeamRequest>;

export const UpdateTeamRequest = z
  .strictObject({ name: z.string().trim().min(1).max(120).optional(), slug: Slug.optional() })
  .meta({ id: "UpdateTeamRequest" });
export type UpdateTeamRequest = z.infer<typeof UpdateTeamRequest>;

/** A member of a team. */
export const Member = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), role: Role, joinedAt: z.iso.datetime() })
  .meta({ id: "Member" });
export type Member = z.infer<typeof Member>;

export const MemberParams = z.strictObject({ id: Id, userId: Id });
export const SetMemberRequest = z.strictObject({ role: Role }).meta({ id: "SetMemberRequest" });

/** `POST /api/v1/teams/{id}/invitations`. */
export const CreateInvitationRequest = z
  .strictObject({
    email: Email.optional(),
    role: Role.default("developer"),
    expiresInHours: z.number().int().min(1).max(720).default(168),
  })
  .meta({ id: "CreateInvitationRequest" });
export type CreateInvitationRequest = z.infer<typeof CreateInvitationRequest>;

/** The invitation link, shown once. */
export const InvitationCreated = z
  .object({
    id: z.string(),
    token: z.string(),
    url: z.string(),
    role: Role,
    email: z.string().nullable(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: "InvitationCreated" });
export type InvitationCreated = z.infer<typeof InvitationCreated>;

/** An open invitation as its team's managers see it (the link itself is never shown again). */
export const Invitation = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    role: Role,
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof Invitation>;

export const InvitationIdParams = z.strictObject({ id: Id, invitationId: Id });

/** What the holder of an invitation link may see before accepting. */
export const InvitationInfo = z
  .object({ teamName: z.string(), role: Role, email: z.string().nullable(), expiresAt: z.iso.datetime() })
  .meta({ id: "InvitationInfo" });
export type InvitationInfo = z.infer<typeof InvitationInfo>;

export const InvitationParams = z.strictObject({ token: z.string().min(10).max(200) });

/** Accepting as a new user needs an account; a signed-in user sends `{}`. */
export const AcceptInvitationRequest = z
  .strictObject({
    email: Email.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    password: NewPassword.optional(),
  })
  .meta({ id: "AcceptInvitationRequest" });
export type AcceptInvitationRequest = z.infer<typeof AcceptInvitationRequest>;

/** `GET /api/v1/me`. */
export const Me = z
  .object({
    user: User,
    teams: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string(), role: Role })),
    permissions: z.array(Permission),
    authenticatedBy: z.enum(["session", "api_key"]),
  })
  .meta({ id: "Me" });
export type Me = z.infer<typeof Me>;

/**
 * `GET /api/v1/auth/session`: whether the browser holds a session, answered 200 either way (a
 * signed-out page load makes no failing request); an expired access cookie is renewed from the
 * refresh cookie on the way.
 */
export const SessionState = z
  .object({ signedIn: z.boolean(), me: Me.nullable() })
  .meta({ id: "SessionState" });
export type SessionState = z.infer<typeof SessionState>;

/** `GET /api/v1/access/explain`. */
export const ExplainQuery = z.strictObject({
  permission: Permission,
  resource: z
    .string()
    .regex(/^team:[^\s]{1,100}$/, "must look like team:<id>")
    .optional(),
  userId: Id.optional(),
});
export type ExplainQuery = z.infer<typeof ExplainQuery>;

export const AccessExplanation = z
  .object({
    permission: Permission,
    resource: z.string().nullable(),
    userId: z.string(),
    allowed: z.boolean(),
    reasons: z.array(z.string()),
  })
  .meta({ id: "AccessExplanation" });
export type AccessExplanation = z.infer<typeof AccessExplanation>;

/** An API key as listed; the secret is never shown again after creation. */
export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe("The start of the key, to recognise it"),
    teamId: z.string().nullable(),
    permissions: z.array(Permission),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKeyRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    permissions: z.array(Permission).min(1).max(Permission.options.length),
    teamId: Id.optional(),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .meta({ id: "CreateApiKeyRequest" });
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

/** The created key with its secret, shown this once. */
export const ApiKeyCreated = ApiKey.extend({ key: z.string() }).meta({ id: "ApiKeyCreated" });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

/** `POST /api/v1/invitations/{token}/accept`: a new account also gets a session. */
export const AcceptInvitationResponse = z
  .object({ user: User, teamId: z.string(), session: SessionTokens.nullable() })
  .meta({ id: "AcceptInvitationResponse" });
export type AcceptInvitationResponse = z.infer<typeof AcceptInvitationResponse>;

/** An OpenID Connect issuer users may sign in with, as the login page lists it. */
export const SsoProvider = z
  .object({
    id: z.string().describe("Use in `/api/v1/auth/oidc/{id}/start`"),
    name: z.string().describe("Label for the sign-in button"),
  })
  .meta({ id: "SsoProvider" });
export type SsoProvider = z.infer<typeof SsoProvider>;

/** `GET /api/v1/auth/providers`. */
export const SsoProviderList = z.object({ items: z.array(SsoProvider) }).meta({ id: "SsoProviderList" });
export type SsoProviderList = z.infer<typeof SsoProviderList>;

/** Path parameters of the OpenID Connect routes; unknown ids answer 404, not 400. */
export const SsoProviderParams = z.strictObject({ provider: z.string().min(1).max(100) });

/** `GET /api/v1/auth/oidc/{provider}/start`: where to land after signing in (a path on this site). */
export const SsoStartQuery = z.strictObject({ returnTo: z.string().max(2000).optional() });
export type SsoStartQuery = z.infer<typeof SsoStartQuery>;

/**
 * The authorization response the identity provider sends to the callback. Not strict: providers
 * add parameters of their own (`session_state`, `scope`, `authuser`, ...), and refusing them would
 * break sign-in; the OpenID Connect client checks the parameters that matter.
 */
export const SsoCallbackQuery = z.looseObject({
  code: z.string().max(4096).optional(),
  state: z.string().max(512).optional(),
  iss: z.string().max(2000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});
export type SsoCallbackQuery = z.infer<typeof SsoCallbackQuery>;

/** `GET /api/v1/setup`: what a fresh installation still needs. */
export const SetupStatus = z.object({ needsAdmin: z.boolean() }).meta({ id: "SetupStatus" });
export type SetupStatus = z.infer<typeof SetupStatus>;

/** `POST /api/v1/setup/admin`: the first admin, accepted only while no account exists. */
export const SetupAdminRequest = z
  .strictObject({ email: Email, name: z.string().trim().min(1).max(200).optional(), password: NewPassword })
  .meta({ id: "SetupAdminRequest" });
export type SetupAdminRequest = z.infer<typeof SetupAdminRequest>;

/** Bus payload: a user, membership, API key or session changed on pod `pod`. */
export const IdentityChanged = z.object({ pod: z.string() });
export type IdentityChanged = z.infer<typeof IdentityChanged>;

/** The identity module's bus topics. */
export const identityTopics = {
  /** Tells the other pods to drop their cached principals (ADR 0011); at most once is enough. */
  changed: defineTopic({ name: "identity.changed", kind: "event", schema: IdentityChanged }),
};
