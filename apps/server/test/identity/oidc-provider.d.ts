/**
 * The part of `oidc-provider` (v9, shipped without types) that the single sign-on tests use to
 * run a real OpenID provider.
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  /** What `findAccount` returns: the account id and its claims for a use and scope. */
  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Record<string, unknown> | Promise<Record<string, unknown>>;
  }

  /** A statically registered client. */
  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
  }

  /** The configuration the tests set; everything else keeps the library's defaults. */
  export interface Configuration {
    clients?: ClientMetadata[];
    findAccount?: (ctx: unknown, id: string) => Promise<Account | undefined> | Account | undefined;
    claims?: Record<string, string[] | null>;
    conformIdTokenClaims?: boolean;
    pkce?: { required?: (ctx: unknown, client: unknown) => boolean };
    cookies?: { keys?: string[] };
    /** Lifetimes in seconds, by artifact (`Session`, `Grant`, `AccessToken`, ...). */
    ttl?: Record<string, number>;
    jwks?: { keys: Record<string, unknown>[] };
    features?: Record<string, { enabled: boolean }>;
  }

  /** An OpenID provider; a Koa application. */
  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    /** The Node.js request handler. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
