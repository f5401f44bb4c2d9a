import { timingSafeEqual } from "node:crypto";
import { Slug, type SsoProvider } from "@parley/contracts";
import * as client from "openid-client";
import { z } from "zod";
import type { OidcProviderConfig } from "../../../config/config.schema.ts";
import { AppError } from "../../../kernel/app-error.ts";
import type { Clock } from "../../../platform/clock/clock.ts";
import type { Cache } from "../../../platform/registry/registry.port.ts";
import type { AuthService, IssuedSession } from "../auth.service.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../../kernel/request-context.ts";
import type { TeamRepository } from "../team.repository.ts";
import type { UserRepository } from "../user.repository.ts";
import type { UserService } from "../user.service.ts";
import { groupsOf, mapGroups } from "./group-mapping.ts";
import { OidcClients } from "./oidc-clients.ts";
import type { OidcIdentityRepository } from "./oidc-identity.repository.ts";
import { SsoFailure } from "./oidc.errors.ts";
import { profileOf, type SignedInProfile } from "./oidc-profile.ts";
import { OidcProvisioning } from "./oidc-provisioning.ts";

/** How long a started sign-in may take to come back to the callback. */
export const SSO_STATE_TTL_MS = 10 * 60 * 1000;

/** Dependencies of the OpenID Connect sign-in. */
export interface OidcServiceDeps {
  providers: readonly OidcProviderConfig[];
  users: UserRepository;
  userService: UserService;
  teams: TeamRepository;
  identities: OidcIdentityRepository;
  auth: AuthService;
  /** Holds started sign-ins, shared by all pods: the callback may reach another pod than the start. */
  cache: Cache;
  audit: AuditSink;
  clock: Clock;
  /** The public base URL; the callback is `<publicUrl>/api/v1/auth/oidc/<id>/callback`. */
  publicUrl: () => string;
}

/** A started sign-in, stored under its `state` until the callback uses it once. */
const PendingSignIn = z.object({
  provider: z.string(),
  verifier: z.string(),
  nonce: z.string(),
  returnTo: z.string(),
});
type PendingSignIn = z.infer<typeof PendingSignIn>;

/**
 * Single sign-on with OpenID Connect (authorization code flow with PKCE, state and nonce) for the
 * configured issuers: accounts are created on first sign-in and their global role and team
 * memberships follow the provider's groups on every sign-in.
 */
export class OidcService {
  readonly #d: OidcServiceDeps;
  readonly #byId: ReadonlyMap<string, OidcProviderConfig>;
  readonly #clients = new OidcClients();
  readonly #provisioning: OidcProvisioning;

  /** @throws Error when a group mapping names a team with an invalid slug. */
  constructor(deps: OidcServiceDeps) {
    for (const provider of deps.providers) {
      for (const mapping of provider.groupMappings) {
        if (mapping.team !== undefined && Slug.safeParse(mapping.team).data !== mapping.team) {
          throw new Error(
            `OIDC provider ${provider.id}: team "${mapping.team}" is not a team slug (lowercase letters, digits, dashes)`,
          );
        }
      }
    }
    this.#d = deps;
    this.#byId = new Map(deps.providers.map((p) => [p.id, p]));
    this.#provisioning = new OidcProvisioning(deps);
  }

  /** The configured providers, for the login page. */
  providers(): SsoProvider[] {
    return this.#d.providers.map((p) => ({ id: p.id, name: p.name }));
  }

  /** Where the provider sends the browser back to; register it at the provider. */
  redirectUri(providerId: string): string {
    return `${this.#d.publicUrl().replace(/\/+$/, "")}/api/v1/auth/oidc/${providerId}/callback`;
  }

  /**
   * Starts a sign-in: the URL to send the browser to, and the `state` to bind to that browser
   * (the callback must present it again).
   * @param returnTo a path on this site to land on afterwards; anything else becomes "/".
   * @throws AppError `resource.not_found` for an unknown provider, `auth.sso_failed` when the
   * provider cannot be reached.
   */
  async start(providerId: string, returnTo?: string): Promise<{ url: string; state: string }> {
    const provider = this.#provider(providerId);
    const config = await this.#configuration(provider);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const pending: PendingSignIn = {
      provider: provider.id,
      verifier,
      nonce: client.randomNonce(),
      returnTo: safeReturnTo(returnTo),
    };
    await this.#d.cache.set(stateKey(state), pending, SSO_STATE_TTL_MS);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(provider.id),
      scope: provider.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce: pending.nonce,
    });
    return { url: url.href, state };
  }

  /**
   * Completes a sign-in: checks state (once only, and bound to the browser), exchanges the code
   * with the PKCE verifier, checks the ID token and its nonce, then finds, links or creates the
   * account and applies the group mappings.
   * @param currentUrl the URL the provider redirected to; only its query is used.
   * @param browserState the state the browser kept since `start`.
   * @throws AppError `resource.not_found` for an unknown provider, `auth.sso_failed` otherwise.
   */
  async callback(
    providerId: string,
    currentUrl: URL,
    ctx: RequestContext,
    browserState: string | undefined,
  ): Promise<{ session: IssuedSession; returnTo: string }> {
    const provider = this.#provider(providerId);
    const seen: { email?: string } = {};
    try {
      return await this.#complete(provider, currentUrl, ctx, browserState, seen);
    } catch (error) {
      await this.#d.audit.record({
        ...auditOrigin(ctx),
        actor: { type: "anonymous", id: null, email: seen.email ?? null },
        action: "auth.login_failed",
        outcome: "failure",
        summary: {
          method: "oidc",
          provider: provider.id,
          reason: error instanceof SsoFailure ? error.reason : "error",
        },
      });
      throw error;
    }
  }

  async #complete(
    provider: OidcProviderConfig,
    currentUrl: URL,
    ctx: RequestContext,
    browserState: string | undefined,
    seen: { email?: string },
  ): Promise<{ session: IssuedSession; returnTo: string }> {
    const pending = await this.#takePending(provider, currentUrl, browserState);
    const profile = await this.#exchange(provider, currentUrl, pending);
    seen.email = profile.email;
    const access = mapGroups(provider, profile.groups);
    const globalRole = access.globalRole;
    if (globalRole === null) {
      throw new SsoFailure(
        "not_allowed",
        `Your groups at ${provider.name} are not allowed to sign in to Parley`,
      );
    }
    const resolved = await this.#provisioning.resolveUser(profile, globalRole, ctx);
    if (resolved.user.status !== "active") throw new SsoFailure("disabled", "This account is disabled");
    const now = this.#d.clock.now();
    const user = {
      ...(await this.#provisioning.applyAccess(resolved.user, { ...access, globalRole }, provider.id, ctx)),
      last_login_at: now,
    };
    await this.#d.users.update(user.id, { last_login_at: now });
    const session = await this.#d.auth.startSession(user, ctx);
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      actor: { type: "user", id: user.id, email: user.email },
      action: "auth.login",
      outcome: "success",
      target: { type: "user", id: user.id },
      summary: { method: "oidc", provider: provider.id, created: resolved.created, linked: resolved.linked },
    });
    return { session, returnTo: pending.returnTo };
  }

  /** The started sign-in the callback's state names, removed so that it works once. */
  async #takePending(
    provider: OidcProviderConfig,
    currentUrl: URL,
    browserState: string | undefined,
  ): Promise<PendingSignIn> {
    const state = currentUrl.searchParams.get("state");
    if (!state) throw new SsoFailure("state_missing", "The identity provider's answer has no state");
    if (!browserState || !sameString(state, browserState)) {
      throw new SsoFailure("state_mismatch", "This sign-in was not started in this browser; start again");
    }
    const stored = await this.#d.cache.get(stateKey(state));
    // Deleting decides the race between two uses of the same answer: only one removes it.
    const removed = stored !== undefined && (await this.#d.cache.delete(stateKey(state)));
    const pending = removed ? PendingSignIn.safeParse(stored).data : undefined;
    if (pending?.provider !== provider.id) {
      throw new SsoFailure("state_unknown", "This sign-in expired or was already used; start again");
    }
    return pending;
  }

  /** Redeems the code and reads who signed in, from the ID token and, if needed, userinfo. */
  async #exchange(
    provider: OidcProviderConfig,
    currentUrl: URL,
    pending: PendingSignIn,
  ): Promise<SignedInProfile> {
    const config = await this.#configuration(provider);
    // The redirect URI sent to the token endpoint must match the one sent at start, whatever
    // host or proxy the callback came through.
    const answer = new URL(this.redirectUri(provider.id));
    answer.search = currentUrl.search;
    const refused = answer.searchParams.get("error");
    if (refused) {
      // The user cancelled, or the provider does not let them use Parley.
      const description = answer.searchParams.get("error_description");
      throw new SsoFailure(
        "provider_error",
        `${provider.name} answered ${refused}${description ? `: ${description}` : ""}`,
      );
    }
    let claims: Record<string, unknown>;
    let userinfo: Record<string, unknown> = {};
    try {
      const tokens = await client.authorizationCodeGrant(config, answer, {
        pkceCodeVerifier: pending.verifier,
        expectedNonce: pending.nonce,
        expectedState: answer.searchParams.get("state") ?? "",
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error("no ID token in the token response");
      claims = idToken;
      const incomplete =
        typeof claims.email !== "string" || groupsOf(claims, provider.groupsClaim) === undefined;
      if (incomplete && config.serverMetadata().userinfo_endpoint) {
        userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
      }
    } catch (error) {
      throw new SsoFailure(
        "protocol_error",
        `Sign-in with ${provider.name} failed: ${messageOf(error)}`,
        error,
      );
    }
    return profileOf(provider, claims, userinfo);
  }

  async #configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    try {
      return await this.#clients.configuration(provider);
    } catch (error) {
      throw new SsoFailure(
        "discovery_failed",
        `${provider.name} cannot be reached: ${messageOf(error)}`,
        error,
      );
    }
  }

  #provider(id: string): OidcProviderConfig {
    const provider = this.#byId.get(id);
    if (!provider) throw new AppError("sso_provider.not_found", `No sign-in provider "${id}"`);
    return provider;
  }
}

/**
 * `returnTo` when it is a path on this site, else "/". Protocol-relative (`//evil.example`) and
 * backslash tricks resolve to another origin and are refused.
 * @example
 * safeReturnTo("/chat?x=1"); // "/chat?x=1"
 * safeReturnTo("https://evil.example"); // "/"
 */
export function safeReturnTo(returnTo: string | undefined): string {
  if (!returnTo?.startsWith("/") || returnTo.startsWith("//")) return "/";
  const base = "http://parley.invalid";
  try {
    const url = new URL(returnTo, base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : "/";
  } catch {
    return "/";
  }
}

function stateKey(state: string): string {
  return `oidc:state:${state}`;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
