import * as client from "openid-client";
import type { OidcProviderConfig } from "../../../config/config.schema.ts";

/** How long discovery may take before the sign-in fails, in seconds. */
const DISCOVERY_TIMEOUT_S = 10;

/**
 * The OpenID Connect client configuration of each provider, discovered from its issuer on first
 * use and kept for the life of the process. A failed discovery is forgotten, so the next sign-in
 * tries again instead of failing until a restart.
 */
export class OidcClients {
  readonly #configs = new Map<string, Promise<client.Configuration>>();

  /**
   * The discovered configuration of `provider`.
   * @throws whatever discovery throws (network errors, an issuer mismatch, bad metadata).
   */
  async configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    const cached = this.#configs.get(provider.id);
    if (cached) return cached;
    const pending = discover(provider);
    this.#configs.set(provider.id, pending);
    try {
      return await pending;
    } catch (error) {
      if (this.#configs.get(provider.id) === pending) this.#configs.delete(provider.id);
      throw error;
    }
  }
}

function discover(provider: OidcProviderConfig): Promise<client.Configuration> {
  const issuer = new URL(provider.issuer);
  // Confidential clients authenticate with HTTP Basic, the OpenID Connect default; clients
  // without a secret are public and rely on PKCE alone.
  const auth = provider.clientSecret ? client.ClientSecretBasic(provider.clientSecret) : client.None();
  return client.discovery(issuer, provider.clientId, undefined, auth, {
    timeout: DISCOVERY_TIMEOUT_S,
    // Plain HTTP only for an issuer on this machine (development, tests); anywhere else the
    // tokens would cross the network in the clear, so openid-client's HTTPS-only rule stays.
    // openid-client marks allowInsecureRequests @deprecated "only to make it stand out" and offers
    // no replacement; it is the documented way to reach a plain-HTTP issuer, used here only on loopback.
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- no non-deprecated API exists; see above
    execute: issuer.protocol === "http:" && isLoopback(issuer.hostname) ? [client.allowInsecureRequests] : [],
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
