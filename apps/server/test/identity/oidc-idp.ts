import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** Who a test account is at the identity provider; tests change `groups` between sign-ins. */
export interface IdpAccount {
  email: string;
  name: string;
  groups: string[];
  emailVerified?: boolean;
}

/** A real OpenID provider (`oidc-provider`) on a loopback port. */
export interface TestIdp {
  /** `http://127.0.0.1:<port>`, known before the client is registered. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login name: the dev login form accepts any name listed here, with any password. */
  accounts: Map<string, IdpAccount>;
  /** Requests the provider served, by path (`/me` is userinfo). */
  hits: Map<string, number>;
  /** Creates the provider with Parley's redirect URI; until then it answers 503. */
  register(redirectUri: string): void;
  stop(): Promise<void>;
}

/**
 * Starts an OpenID provider whose port, and so its issuer, is known before Parley starts, and
 * which gets Parley's callback once Parley has a port: PKCE required, `client_secret_basic`,
 * the dev login and consent pages, and a `groups` scope with a `groups` claim.
 * @param options.idTokenClaims true to put profile claims into the ID token too (by default the
 * provider keeps them to userinfo, as the specification asks for the code flow).
 */
export async function startIdp(options: { idTokenClaims?: boolean } = {}): Promise<TestIdp> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://idp").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, IdpAccount>();
  const clientId = "parley";
  const clientSecret = randomBytes(24).toString("base64url");
  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    hits,
    register(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [redirectUri],
            grant_types: ["authorization_code"],
            response_types: ["code"],
            token_endpoint_auth_method: "client_secret_basic",
          },
        ],
        pkce: { required: () => true },
        conformIdTokenClaims: options.idTokenClaims !== true,
        claims: {
          openid: ["sub"],
          email: ["email", "email_verified"],
          profile: ["name"],
          groups: ["groups"],
        },
        findAccount: (_ctx, id) => {
          const account = accounts.get(id);
          if (!account) return undefined;
          return {
            accountId: id,
            claims: () => ({
              sub: id,
              email: account.email,
              email_verified: account.emailVerified ?? true,
              name: account.name,
              groups: account.groups,
            }),
          };
        },
        cookies: { keys: [randomBytes(16).toString("hex")] },
        ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
        jwks: { keys: [{ ...signingKey, use: "sig", alg: "RS256", kid: "test" }] },
      });
      handler = provider.callback();
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * Just enough of a browser for the sign-in dance: keeps cookies per host (with paths), follows
 * redirects one at a time, and submits the provider's login and consent forms.
 */
export class TestBrowser {
  readonly #jar = new Map<string, Map<string, StoredCookie>>();

  /** One request without following redirects, sending and storing cookies. */
  async request(
    url: string | URL,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = [headers.cookie, cookie].filter(Boolean).join("; ");
    if (init.form) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(target, {
      method: init.method ?? (init.form ? "POST" : "GET"),
      headers,
      redirect: "manual",
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    this.#store(target, res.headers.getSetCookie());
    return res;
  }

  /** The value of cookie `name` this browser would send to `url`. */
  cookie(url: string | URL, name: string): string | undefined {
    const target = new URL(url);
    for (const [key, c] of this.#jar.get(target.host) ?? []) {
      if (key.startsWith(`${name}|`) && pathMatches(target.pathname, c.path)) return c.value;
    }
    return undefined;
  }

  /** The `Cookie` header for `url`. */
  cookieHeader(url: URL): string {
    const pairs: string[] = [];
    for (const [key, c] of this.#jar.get(url.host) ?? []) {
      if (pathMatches(url.pathname, c.path)) pairs.push(`${key.slice(0, key.indexOf("|"))}=${c.value}`);
    }
    return pairs.join("; ");
  }

  /**
   * Opens `startUrl` and goes through the provider's pages as `login` (or cancels on the first
   * page) until the provider redirects back to a URL starting with `stopAt`, which is returned
   * without being opened.
   */
  async signInAtIdp(
    startUrl: string,
    login: string,
    stopAt: string,
    options: { cancel?: boolean } = {},
  ): Promise<URL> {
    let url = new URL(startUrl);
    let res = await this.request(url);
    for (let step = 0; step < 20; step += 1) {
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get("location") ?? "", url);
        if (url.href.startsWith(stopAt)) return url;
        res = await this.request(url);
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (res.status !== 200 || !action)
        throw new Error(`unexpected page at ${url.href}: ${res.status} ${html.slice(0, 500)}`);
      const abort = /href="([^"]*\/abort)"/.exec(html)?.[1];
      if (options.cancel && abort) {
        url = new URL(abort, url);
        res = await this.request(url);
        continue;
      }
      const form: Record<string, string> = {};
      for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
        if (name) form[name] = value ?? "";
      }
      if (html.includes('name="login"')) Object.assign(form, { login, password: "any password" });
      url = new URL(action.replaceAll("&amp;", "&"), url);
      res = await this.request(url, { form });
    }
    throw new Error(`no redirect to ${stopAt} after 20 steps`);
  }

  #store(url: URL, setCookies: string[]): void {
    const host = this.#jar.get(url.host) ?? new Map<string, StoredCookie>();
    this.#jar.set(url.host, host);
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = new Map(
        attributes.map((a) => {
          const i = a.indexOf("=");
          return i < 0 ? [a.toLowerCase(), ""] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
        }),
      );
      const path = attr.get("path") ?? "/";
      const maxAge = attr.get("max-age");
      const expires = attr.get("expires");
      const gone =
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      if (gone) host.delete(`${name}|${path}`);
      else host.set(`${name}|${path}`, { value, path });
    }
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return (
    requestPath.startsWith(cookiePath) && (cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/")
  );
}
